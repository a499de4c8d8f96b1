//! `nodecore groups`: the uid, gid and supplementary groups a container would
//! get from a root filesystem, as containerd or CRI-O reports them.

use nodecore::groups::{self, Options, ParserVersion, Rootfs, Runtime, SecurityContext, SupplementalGroupsPolicy};
use serde_json::json;
use std::io;
use std::path::PathBuf;
use std::process::ExitCode;

pub const EXAMPLE: &str = "\
Example:
  nodecore groups --rootfs /var/lib/images/alpine --user alice --policy Strict \\
      --fs-group 2000 --supplemental-groups 4000,5000
  uid=1000 gid=1000 groups=1000,2000,4000,5000

Exit status: 0 with an answer; 1 when there is none, because the runtime would refuse
the container or a file cannot be read (the error kind and message are printed, with
--json as {\"error\": {\"kind\", \"message\"}}); 2 for bad arguments.";

#[derive(clap::Args)]
#[command(allow_negative_numbers = true)]
pub struct Args {
    /// The container's root filesystem (a mounted image); /etc/passwd and /etc/group
    /// are read inside it and never outside.
    #[arg(long, value_name = "DIR")]
    rootfs: PathBuf,
    /// The image's USER, as in its config ("alice", "1000", "alice:staff"); empty when
    /// the image sets none. The kubelet drops any ":group" part.
    #[arg(long, value_name = "USER", default_value = "")]
    user: String,
    /// supplementalGroupsPolicy.
    #[arg(long, value_name = "Merge|Strict", default_value = "Merge")]
    policy: SupplementalGroupsPolicy,
    /// runAsUser (the container's, else the pod's).
    #[arg(long, value_name = "UID")]
    run_as_user: Option<i64>,
    /// runAsGroup (the container's, else the pod's).
    #[arg(long, value_name = "GID")]
    run_as_group: Option<i64>,
    /// The pod's supplementalGroups, comma-separated, in manifest order.
    #[arg(long, value_name = "GID,...", value_delimiter = ',')]
    supplemental_groups: Vec<i64>,
    /// The pod's fsGroup.
    #[arg(long, value_name = "GID")]
    fs_group: Option<i64>,
    /// The runtime whose resolution and group order to reproduce.
    #[arg(long, value_name = "containerd|cri-o", default_value = "containerd")]
    runtime: Runtime,
    /// The moby/sys/user release the runtime parses the files with.
    #[arg(long, value_name = "v0.4.0|v0.4.1", default_value = "v0.4.0")]
    parser: ParserVersion,
    /// containerd: keep image groups named like the user (the fix of containerd#11937,
    /// not yet released).
    #[arg(long)]
    keep_same_name_group: bool,
    /// Print {"uid", "gid", "groups"} as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> io::Result<ExitCode> {
    let sc = SecurityContext {
        run_as_user: args.run_as_user,
        run_as_group: args.run_as_group,
        fs_group: args.fs_group,
        supplemental_groups: args.supplemental_groups,
        supplemental_groups_policy: args.policy,
    };
    let options = Options {
        parser: args.parser,
        exclude_same_name_group: !args.keep_same_name_group,
        ..Options::for_runtime(args.runtime)
    };
    let result = Rootfs::open(&args.rootfs).and_then(|rootfs| groups::resolve(&args.user, &sc, &rootfs, &options));
    match (result, args.json) {
        (Ok(user), true) => {
            println!("{}", json!({"uid": user.uid, "gid": user.gid, "groups": user.supplemental_groups}));
            Ok(ExitCode::SUCCESS)
        }
        (Ok(user), false) => {
            let groups: Vec<String> = user.supplemental_groups.iter().map(u32::to_string).collect();
            println!("uid={} gid={} groups={}", user.uid, user.gid, groups.join(","));
            Ok(ExitCode::SUCCESS)
        }
        (Err(err), true) => {
            println!("{}", json!({"error": {"kind": err.kind(), "message": err.to_string()}}));
            Ok(ExitCode::FAILURE)
        }
        (Err(err), false) => {
            eprintln!("nodecore groups: {}: {err}", err.kind());
            Ok(ExitCode::FAILURE)
        }
    }
}
