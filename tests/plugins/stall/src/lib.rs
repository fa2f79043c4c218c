//! The stall: a plugin whose `describe()` sleeps for an hour. A sleep is a
//! wait in a host call (`wasi:io/poll`), which no epoch interruption can
//! stop: kiln must give up on it by a wall-clock deadline of its own.

use kiln_sdk::{Context, Error, Info, Plugin, export_plugin};

struct Stall;

impl Plugin for Stall {
    fn describe() -> Info {
        std::thread::sleep(std::time::Duration::from_secs(3600));
        Info::new("stall", env!("CARGO_PKG_VERSION"))
    }

    fn run(_ctx: Context) -> Result<String, Error> {
        Ok("unreachable: describe never answers".into())
    }
}

export_plugin!(Stall);
