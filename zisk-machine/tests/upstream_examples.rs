//! Upstream's own programs through our reader and emulator: the zisk-asm 1.4.0-alpha examples
//! (doubler, doubler-min, sum), turned into ziskbin ELFs by upstream's `zisk2zisk --elf`, read
//! with [`zisk_bin::read_elf`] and run; the result must equal `ziskemu -e ELF -X -c`.
//!
//! Needs `zisk2zisk` (`$ZISK2ZISK` or `PATH`), `ziskemu` (`$ZISKEMU` or `PATH`) and the example
//! sources (`$ZISK_ASM_EXAMPLES`, else the zisk-asm crate in the cargo registry), which
//! `scripts/install-ziskemu` installs; without them the test prints `SKIPPED` and passes, except
//! in CI (`ZKC_REQUIRE_ZISKEMU`), where it fails.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::expected_stdout;
use zkc_testkit::{run_ziskemu, skip_without, zisk_tool};
use zkc_zisk_machine::zisk_bin;

fn examples_dir() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ZISK_ASM_EXAMPLES") {
        return Some(PathBuf::from(p));
    }
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
    std::fs::read_dir(cargo_home.join("registry/src"))
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("zisk-asm-1.4.0-alpha/examples"))
        .find(|p| p.is_dir())
}

#[test]
fn upstream_examples_match_ziskemu() {
    let (Some(zisk2zisk), Some(ziskemu), Some(examples)) = (
        zisk_tool("ZISK2ZISK", "zisk2zisk"),
        zisk_tool("ZISKEMU", "ziskemu"),
        examples_dir(),
    ) else {
        skip_without("zisk2zisk, ziskemu or the zisk-asm examples");
        return;
    };
    let dir = std::env::temp_dir().join(format!("zkc-upstream-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for name in ["doubler", "doubler-min", "sum"] {
        let src = examples.join(name);
        let elf = dir.join(format!("{name}.elf"));
        let status = Command::new(&zisk2zisk)
            .arg(&src)
            .arg(&elf)
            .arg("--elf")
            .status()
            .unwrap();
        assert!(status.success(), "zisk2zisk {}", src.display());
        let rom = zisk_bin::read_elf(&std::fs::read(&elf).unwrap())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        // doubler-min reads the input of doubler.
        let input_path = examples.join("doubler/input.bin");
        let input_path = name.starts_with("doubler").then_some(input_path);
        let input = input_path
            .as_ref()
            .map(|p| std::fs::read(p).unwrap())
            .unwrap_or_default();
        let want = expected_stdout(name, &rom, &input);
        let got = run_ziskemu(&ziskemu, "-e", &elf, input_path.as_deref());
        assert_eq!(got, want, "{name}");
        // What we read from upstream survives our writer and reader.
        assert_eq!(
            zisk_bin::read_elf(&zisk_bin::write_elf(&rom)).unwrap(),
            rom,
            "{name}"
        );
        println!("{name}: identical to ziskemu -e");
    }
    std::fs::remove_dir_all(&dir).ok();
}
