//! Which files a program needs to be allowed to execute in order to start:
//! the program itself, the ELF interpreter it names (the dynamic loader,
//! which the kernel opens for execution too), and for a script the
//! interpreter of its `#!` line (and, through `/usr/bin/env`, the program
//! env looks up), each followed the same way.
//!
//! Shared libraries need no execute right: the loader maps them as a read.

use std::io::Read;
use std::path::{Path, PathBuf};

use object::read::elf::{FileHeader, ProgramHeader};

/// How deep interpreters may chain (`#!` to `env` to `python3` to its
/// loader): deeper is not a real program.
const MAX_CHAIN: usize = 4;

/// The canonical files `program` needs execute rights on to start, the
/// program first. `lookup` finds a bare name on the search path (for
/// `#!/usr/bin/env NAME`).
pub fn needed_to_start(program: &Path, lookup: &dyn Fn(&str) -> Option<PathBuf>) -> Vec<PathBuf> {
    let mut needed = Vec::new();
    add(program, lookup, &mut needed, 0);
    needed
}

fn add(
    program: &Path,
    lookup: &dyn Fn(&str) -> Option<PathBuf>,
    needed: &mut Vec<PathBuf>,
    depth: usize,
) {
    let Ok(real) = program.canonicalize() else {
        return;
    };
    if needed.contains(&real) || depth > MAX_CHAIN {
        return;
    }
    needed.push(real.clone());
    let Ok(head) = read_head(&real) else {
        return;
    };
    if let Some(interpreter) = elf_interpreter(&real, &head) {
        add(&interpreter, lookup, needed, depth + 1);
    } else if let Some((interpreter, argument)) = shebang(&head) {
        let is_env = interpreter.file_name().is_some_and(|name| name == "env");
        add(&interpreter, lookup, needed, depth + 1);
        if is_env
            && let Some(name) = argument
            && let Some(found) = lookup(&name)
        {
            add(&found, lookup, needed, depth + 1);
        }
    }
}

/// The first bytes of a file: enough for a `#!` line.
fn read_head(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut head = vec![0u8; 256];
    let mut file = std::fs::File::open(path)?;
    let n = file.read(&mut head)?;
    head.truncate(n);
    Ok(head)
}

/// The `PT_INTERP` of a 64-bit little-endian ELF file, if it has one.
fn elf_interpreter(path: &Path, head: &[u8]) -> Option<PathBuf> {
    if !head.starts_with(b"\x7fELF") {
        return None;
    }
    // The program headers may lie beyond the head: read the file, which
    // for a program is a few megabytes at most, once, at grant time.
    let data = std::fs::read(path).ok()?;
    let header = object::elf::FileHeader64::<object::Endianness>::parse(&*data).ok()?;
    let endian = header.endian().ok()?;
    let headers = header.program_headers(endian, &*data).ok()?;
    headers.iter().find_map(|segment| {
        let interpreter = segment.interpreter(endian, &*data).ok()??;
        let text = std::str::from_utf8(interpreter).ok()?;
        Some(PathBuf::from(text.trim_end_matches('\0')))
    })
}

/// The interpreter of a `#!` line and its first argument.
fn shebang(head: &[u8]) -> Option<(PathBuf, Option<String>)> {
    let line = head.strip_prefix(b"#!")?;
    let end = line.iter().position(|&b| b == b'\n').unwrap_or(line.len());
    let text = std::str::from_utf8(&line[..end]).ok()?;
    let mut words = text.split_whitespace();
    let interpreter = PathBuf::from(words.next()?);
    let argument = words.find(|word| !word.starts_with('-')).map(str::to_owned);
    Some((interpreter, argument))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_lookup(_: &str) -> Option<PathBuf> {
        None
    }

    #[test]
    fn an_elf_program_needs_its_loader() {
        let sh = Path::new("/bin/sh");
        let needed = needed_to_start(sh, &no_lookup);
        assert_eq!(needed[0], sh.canonicalize().unwrap());
        assert!(
            needed
                .iter()
                .any(|path| path.to_string_lossy().contains("ld-linux")),
            "{needed:?}"
        );
    }

    #[test]
    fn a_script_needs_its_interpreter_and_what_env_finds() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("tool");
        std::fs::write(&script, "#!/usr/bin/env -S sh -e\necho hi\n").unwrap();
        let lookup = |name: &str| (name == "sh").then(|| PathBuf::from("/bin/sh"));
        let needed = needed_to_start(&script, &lookup);
        let env = Path::new("/usr/bin/env").canonicalize().unwrap();
        let sh = Path::new("/bin/sh").canonicalize().unwrap();
        assert!(needed.contains(&env) && needed.contains(&sh), "{needed:?}");
    }

    #[test]
    fn shebang_lines_are_read_as_the_kernel_does() {
        assert_eq!(
            shebang(b"#!/bin/sh -e\n"),
            Some((PathBuf::from("/bin/sh"), None))
        );
        assert_eq!(
            shebang(b"#! /usr/bin/env python3\nprint()"),
            Some((PathBuf::from("/usr/bin/env"), Some("python3".into())))
        );
        assert_eq!(shebang(b"\x7fELF"), None);
    }
}
