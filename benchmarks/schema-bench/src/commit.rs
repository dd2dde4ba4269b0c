//! The commit a run measured, for the report's facts, read from the
//! repository's `.git` directly: a fresh machine need not have `git`.
//!
//! `HEAD` holds either a commit id (detached) or `ref: refs/heads/…`; the
//! ref is a loose file under the common git folder or a line of its
//! `packed-refs`. In a linked worktree `.git` is a file (`gitdir: …`) naming
//! the worktree's own folder (its `HEAD`), whose `commondir` names the
//! folder holding the refs. Anything missing or malformed gives `unknown`.

use std::path::{Path, PathBuf};

/// Digits shown, as `git rev-parse --short` shows them in a small repository.
const SHORT: usize = 7;

/// The checked-out commit of the repository at `repo`, shortened, or `unknown`.
pub fn head_commit(repo: &Path) -> String {
    full_head(repo)
        .map(|id| id[..SHORT].to_owned())
        .unwrap_or_else(|| "unknown".to_owned())
}

fn full_head(repo: &Path) -> Option<String> {
    let (git_dir, common_dir) = git_dirs(repo)?;
    let head = std::fs::read_to_string(git_dir.join("HEAD")).ok()?;
    let head = head.trim();
    let Some(name) = head.strip_prefix("ref:") else {
        return commit_id(head);
    };
    let name = name.trim();
    // A worktree's own refs (bisect, …) live in its folder; branches in the common one.
    for dir in [&git_dir, &common_dir] {
        if let Ok(text) = std::fs::read_to_string(dir.join(name)) {
            return commit_id(text.trim());
        }
    }
    let packed = std::fs::read_to_string(common_dir.join("packed-refs")).ok()?;
    packed
        .lines()
        .filter(|line| !line.starts_with('#') && !line.starts_with('^'))
        .find_map(|line| {
            let (id, ref_name) = line.split_once(' ')?;
            (ref_name.trim() == name).then(|| commit_id(id)).flatten()
        })
}

/// The git folder (HEAD) and the common git folder (refs) of `repo`.
fn git_dirs(repo: &Path) -> Option<(PathBuf, PathBuf)> {
    let dot_git = repo.join(".git");
    if dot_git.is_dir() {
        return Some((dot_git.clone(), dot_git));
    }
    let text = std::fs::read_to_string(&dot_git).ok()?;
    let git_dir = repo.join(text.trim().strip_prefix("gitdir:")?.trim());
    let common_dir = match std::fs::read_to_string(git_dir.join("commondir")) {
        Ok(common) => git_dir.join(common.trim()),
        Err(_) => git_dir.clone(),
    };
    Some((git_dir, common_dir))
}

/// `text` when it is a full commit id (SHA-1 or SHA-256, hex).
fn commit_id(text: &str) -> Option<String> {
    ((text.len() == 40 || text.len() == 64) && text.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| text.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0123456789abcdef0123456789abcdef01234567";

    /// A scratch folder holding `files` (path, contents), removed on drop.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str, files: &[(&str, &str)]) -> Scratch {
            let dir = std::env::temp_dir()
                .join(format!("schema-bench-commit-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            for (path, text) in files {
                let path = dir.join(path);
                std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
                std::fs::write(path, text).expect("write");
            }
            Scratch(dir)
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn a_branch_is_read_from_its_loose_ref() {
        let repo = Scratch::new(
            "loose",
            &[
                (".git/HEAD", "ref: refs/heads/main\n"),
                (".git/refs/heads/main", &format!("{ID}\n")),
            ],
        );
        assert_eq!(head_commit(&repo.0), "0123456");
    }

    #[test]
    fn a_branch_is_read_from_packed_refs() {
        let packed = format!(
            "# pack-refs with: peeled fully-peeled sorted \n{ID} refs/heads/main\n^{}\n",
            "f".repeat(40)
        );
        let repo = Scratch::new(
            "packed",
            &[
                (".git/HEAD", "ref: refs/heads/main\n"),
                (".git/packed-refs", &packed),
            ],
        );
        assert_eq!(head_commit(&repo.0), "0123456");
    }

    #[test]
    fn a_detached_head_is_the_commit() {
        let repo = Scratch::new("detached", &[(".git/HEAD", &format!("{ID}\n"))]);
        assert_eq!(head_commit(&repo.0), "0123456");
    }

    #[test]
    fn a_worktree_reads_its_head_and_the_common_refs() {
        let repo = Scratch::new(
            "worktree",
            &[
                ("wt/.git", "gitdir: ../main/.git/worktrees/wt\n"),
                ("main/.git/worktrees/wt/HEAD", "ref: refs/heads/wt\n"),
                ("main/.git/worktrees/wt/commondir", "../..\n"),
                ("main/.git/refs/heads/wt", &format!("{ID}\n")),
            ],
        );
        assert_eq!(head_commit(&repo.0.join("wt")), "0123456");
    }

    #[test]
    fn no_repository_is_unknown() {
        let repo = Scratch::new("none", &[("README", "")]);
        assert_eq!(head_commit(&repo.0), "unknown");
        let repo = Scratch::new("unborn", &[(".git/HEAD", "ref: refs/heads/main\n")]);
        assert_eq!(head_commit(&repo.0), "unknown");
    }
}
