package nodecore

import "testing"

func TestStatusNamesAndFrozenNumbers(t *testing.T) {
	for status, want := range map[Status]struct {
		number int32
		name   string
	}{
		StatusOK:              {0, "ok"},
		StatusNullArgument:    {1, "null-argument"},
		StatusPanic:           {5, "panic"},
		StatusParse:           {100, "parse"},
		StatusUnknownTopology: {201, "unknown-topology"},
		StatusInsufficient:    {302, "insufficient"},
		StatusPasswdParse:     {803, "passwd-parse"},
		Status(-7):            {-7, "unknown"},
	} {
		if int32(status) != want.number || status.String() != want.name {
			t.Errorf("status %d = %q, want %d %q", status, status, want.number, want.name)
		}
	}
}

func TestVersions(t *testing.T) {
	major, minor := ABIVersion()
	if major != ABIVersionMajor || minor != ABIVersionMinor || Version() == "" {
		t.Fatalf("ABI %d.%d, version %q", major, minor, Version())
	}
}
