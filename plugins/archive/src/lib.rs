//! `archive`: pack input artifacts into one reproducible `<name>.tar.gz` in
//! the action's output artifact, with a `sha256sum`-style checksum file.
//!
//! Reproducible means the same input trees and parameters give the same
//! bytes: entries sorted by path, every entry stamped with the `mtime`
//! parameter, uid and gid 0 without owner names, fixed modes (0644 files,
//! 0755 directories), and a gzip header without name or time.
//!
//! Lost on the way, because WASI 0.2 cannot read them: the inputs' own
//! permission bits (an executable is archived as 0644), owners and times.

mod collect;
mod create;
mod tarball;

#[cfg(test)]
mod tests;

use kiln_sdk::{Context, Error, Info, Input, Param, Plugin, export_plugin};

use crate::collect::Source;
use crate::create::{Request, create_archive};
use crate::tarball::Settings;

struct Archive;

impl Plugin for Archive {
    fn describe() -> Info {
        Info::new("archive", env!("CARGO_PKG_VERSION"))
            .summary("Pack input artifacts into a reproducible .tar.gz with its sha256")
            .param(Param::new(
                "include",
                "Names of the inputs to archive (default: all inputs)",
            ))
            .param(Param::new(
                "name",
                "Archive file name without .tar.gz (default: the output artifact's name)",
            ))
            .param(
                Param::new(
                    "flatten",
                    "Put a single input's files at the archive root instead of under its name",
                )
                .default("false"),
            )
            .param(
                Param::new("mtime", "Modification time of every entry, in Unix seconds")
                    .default("0"),
            )
            .param(Param::new("level", "gzip compression level, 0 to 9").default("6"))
    }

    fn run(ctx: Context) -> Result<String, Error> {
        let output = ctx.single_output()?;
        let sources = select_sources(ctx.inputs(), &ctx.list("include"))?;
        let name = archive_name(ctx.param("name"), &output.name)?;
        let flatten = ctx.parse::<bool>("flatten")?.unwrap_or(false);
        let mtime = ctx.parse::<u64>("mtime")?.unwrap_or(0);
        let level = compression_level(ctx.param("level"))?;
        let names: Vec<&str> = sources.iter().map(|source| source.name.as_str()).collect();
        kiln_sdk::info!(
            "archiving {} into {name}.tar.gz (level {level}, mtime {mtime}{})",
            names.join(", "),
            if flatten { ", flattened" } else { "" }
        );
        let request = Request {
            sources: &sources,
            flatten,
            name: &name,
            settings: Settings { mtime, level },
        };
        let outcome = create_archive(&request, &output.path, &mut |done, total| {
            if done % 500 == 0 || done == total {
                kiln_sdk::log::progress(done as u64, total as u64, "archiving");
            }
        })?;
        let written = &outcome.written;
        kiln_sdk::info!("sha256 {}  {}", written.sha256, outcome.file_name);
        Ok(format!(
            "archived {} files ({}) from {} into {}: {}, sha256 {}",
            written.files,
            format_bytes(written.content_bytes),
            plural(sources.len(), "input"),
            outcome.file_name,
            format_bytes(written.compressed_bytes),
            &written.sha256[..12]
        ))
    }
}

export_plugin!(Archive);

/// The inputs named in `include`, or all of them.
fn select_sources(inputs: &[Input], include: &[String]) -> Result<Vec<Source>, Error> {
    if inputs.is_empty() {
        return Err(Error::new("the action has no input artifacts to archive"));
    }
    let selected: Vec<&Input> = if include.is_empty() {
        inputs.iter().collect()
    } else {
        include
            .iter()
            .map(|name| {
                inputs
                    .iter()
                    .find(|input| &input.name == name)
                    .ok_or_else(|| {
                        let known: Vec<&str> =
                            inputs.iter().map(|input| input.name.as_str()).collect();
                        Error::new(format!(
                            "parameter `include` names `{name}`, which is not an input of the \
                         action (inputs: {})",
                            known.join(", ")
                        ))
                    })
            })
            .collect::<Result<_, _>>()?
    };
    Ok(selected
        .into_iter()
        .map(|input| Source {
            name: input.name.clone(),
            root: input.path.clone(),
        })
        .collect())
}

/// The `name` parameter (or the output's name) as a plain file name, with a
/// `.tar.gz` or `.tgz` the user may have added dropped.
fn archive_name(param: Option<&str>, output_name: &str) -> Result<String, Error> {
    let raw = param.map(str::trim).filter(|name| !name.is_empty());
    let name = raw.unwrap_or(output_name);
    let name = name
        .strip_suffix(".tar.gz")
        .or_else(|| name.strip_suffix(".tgz"))
        .unwrap_or(name);
    let bad = name.is_empty()
        || name == "."
        || name == ".."
        || name.contains(['/', '\\', '\0'])
        || name.chars().any(char::is_control);
    if bad {
        return Err(Error::new(format!(
            "parameter `name` = {:?} must be a plain file name",
            raw.unwrap_or(output_name)
        )));
    }
    Ok(name.to_owned())
}

fn compression_level(param: Option<&str>) -> Result<u32, Error> {
    let Some(text) = param else {
        return Ok(6);
    };
    match text.trim().parse::<u32>() {
        Ok(level) if level <= 9 => Ok(level),
        _ => Err(Error::new(format!(
            "parameter `level` = {text:?} must be a number from 0 to 9"
        ))),
    }
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// `1234567` → `1.2 MiB`.
fn format_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}
