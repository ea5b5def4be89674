//! The documents describe the repository as it is:
//! - the code map of `ARCHITECTURE.md` names every `.rs` file under the `src/` of every
//!   workspace crate, as a bullet that starts with the file's path from the repository
//!   root (`` - `projections/src/kpi.rs`: … ``), and every source path `ARCHITECTURE.md`
//!   names exists;
//! - the documents a user reads first point at nothing outside the repository: no
//!   `../shared` reference, and every relative link and every `.md` file they name exists.
//!
//! `graphql/tests/kpi_documentatie.rs` checks `docs/kpis.md` against the schema; this file
//! does not repeat that.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The documents at the root and under `docs/` that must stand on their own.
const DOCUMENTS: [&str; 4] = [
    "README.md",
    "ARCHITECTURE.md",
    "CONTRIBUTING.md",
    "BENCHMARKS.md",
];

fn root() -> PathBuf {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR"));
    tests.parent().unwrap_or(tests).to_path_buf()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `members` of the root `Cargo.toml`, a trailing `/*` expanded to the directories
/// under it that hold a `Cargo.toml`.
fn workspace_members(root: &Path) -> Vec<String> {
    let manifest = read(&root.join("Cargo.toml"));
    let start = manifest
        .find("members = [")
        .unwrap_or_else(|| panic!("no `members = [` in the root Cargo.toml"));
    let list = &manifest[start + "members = [".len()..];
    let list = &list[..list.find(']').unwrap_or(list.len())];
    let mut members = Vec::new();
    for entry in list.split('"').skip(1).step_by(2) {
        match entry.strip_suffix("/*") {
            Some(dir) => {
                let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
                    continue;
                };
                for e in entries.flatten() {
                    if e.path().join("Cargo.toml").is_file() {
                        members.push(format!("{dir}/{}", e.file_name().to_string_lossy()));
                    }
                }
            }
            None => members.push(entry.to_owned()),
        }
    }
    assert!(
        members.len() >= 5,
        "too few workspace members found: {members:?}"
    );
    members
}

/// Every `.rs` file under `dir`, as a path from `root` with `/` separators.
fn rust_files(root: &Path, dir: &Path, out: &mut BTreeSet<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(root, &p, out);
        } else if p.extension().is_some_and(|x| x == "rs")
            && let Ok(rel) = p.strip_prefix(root)
        {
            let parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            out.insert(parts.join("/"));
        }
    }
}

/// The code spans (between backticks) of a Markdown text.
fn code_spans(text: &str) -> impl Iterator<Item = &str> {
    text.split('`').skip(1).step_by(2)
}

/// The section of `doc` under the level-2 heading `heading`, up to the next one.
fn section<'a>(doc: &'a str, heading: &str) -> &'a str {
    let start = doc
        .find(&format!("\n## {heading}\n"))
        .unwrap_or_else(|| panic!("ARCHITECTURE.md has no section `## {heading}`"));
    let body = &doc[start + 1..];
    let end = body[3..].find("\n## ").map_or(body.len(), |i| i + 3);
    &body[..end]
}

/// The paths the code map names: the first code span of every bullet.
fn code_map_entries(code_map: &str) -> BTreeSet<String> {
    code_map
        .lines()
        .filter_map(|l| l.strip_prefix("- `"))
        .filter_map(|l| l.split('`').next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_code_map_names_every_source_file() {
    let root = root();
    let mut files = BTreeSet::new();
    for member in workspace_members(&root) {
        rust_files(&root, &root.join(&member).join("src"), &mut files);
    }
    assert!(files.len() >= 50, "too few source files found: {files:?}");
    let doc = read(&root.join("ARCHITECTURE.md"));
    let named = code_map_entries(section(&doc, "Code map"));
    let missing: Vec<&String> = files.iter().filter(|f| !named.contains(*f)).collect();
    for f in &missing {
        eprintln!("not in the code map of ARCHITECTURE.md: {f}");
    }
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md's code map does not name these {} source files (add a bullet \
         `` - `<path>`: what it is, main types `` under its crate): {missing:#?}",
        missing.len()
    );
}

#[test]
fn every_source_path_in_architecture_exists() {
    let root = root();
    let doc = read(&root.join("ARCHITECTURE.md"));
    let mut paths = code_map_entries(section(&doc, "Code map"));
    // Any other path with a directory that the document names in backticks.
    paths.extend(
        code_spans(&doc)
            .filter(|c| c.contains('/') && c.ends_with(".rs") && !c.contains(' '))
            .map(str::to_owned),
    );
    assert!(paths.len() >= 50, "too few paths found: {paths:?}");
    let missing: Vec<&String> = paths.iter().filter(|p| !root.join(p).is_file()).collect();
    for p in &missing {
        eprintln!("named in ARCHITECTURE.md but not in the repository: {p}");
    }
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md names files that do not exist: {missing:#?}"
    );
}

/// The documents: the root ones and everything under `docs/`.
fn documents(root: &Path) -> Vec<PathBuf> {
    let mut docs: Vec<PathBuf> = DOCUMENTS.iter().map(|d| root.join(d)).collect();
    if let Ok(entries) = std::fs::read_dir(root.join("docs")) {
        let mut under: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "md"))
            .collect();
        under.sort();
        docs.extend(under);
    }
    docs
}

#[test]
fn the_documents_point_at_nothing_outside_the_repository() {
    let root = root();
    let mut problems = Vec::new();
    for doc in documents(&root) {
        let text = read(&doc);
        let name = doc
            .strip_prefix(&root)
            .unwrap_or(&doc)
            .display()
            .to_string();
        let dir = doc.parent().unwrap_or(&root);
        for (i, line) in text.lines().enumerate() {
            if line.contains("../shared") {
                problems.push(format!("{name}:{}: refers to ../shared", i + 1));
            }
        }
        // Relative links: `[text](target)`, resolved from the document's directory.
        for piece in text.split("](").skip(1) {
            let target = piece.split(')').next().unwrap_or("");
            let target = target.split('#').next().unwrap_or("");
            if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            if !dir.join(target).exists() {
                problems.push(format!("{name}: link to {target}, which does not exist"));
            }
        }
        // A Markdown file named in backticks, from the root or the document's directory.
        for span in code_spans(&text) {
            if span.ends_with(".md")
                && !span.contains(' ')
                && !root.join(span).is_file()
                && !dir.join(span).is_file()
            {
                problems.push(format!(
                    "{name}: names `{span}`, which is not in the repository"
                ));
            }
        }
    }
    for p in &problems {
        eprintln!("{p}");
    }
    assert!(
        problems.is_empty(),
        "the documents point outside the repository: {problems:#?}"
    );
}
