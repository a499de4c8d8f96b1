module github.com/nodecore/nodecore/bindings/go

// Go 1.22: the kubelet of Kubernetes 1.31 builds with it.
go 1.22
