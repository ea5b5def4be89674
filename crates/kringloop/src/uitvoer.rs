//! Standard output that tolerates a reader that went away: `kringloop kpi | head -1`
//! ends quietly (exit code 0) instead of panicking on the broken pipe as `println!` does.

use std::io::Write as _;

/// Writes `tekst` to stdout; see the module docs.
pub fn tekst(tekst: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(tekst.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("fout: kan niet naar stdout schrijven: {e}");
        std::process::exit(2);
    }
}

/// One line (the `uit!` macro).
pub fn regel(args: std::fmt::Arguments<'_>) {
    let mut s = args.to_string();
    s.push('\n');
    tekst(&s);
}
