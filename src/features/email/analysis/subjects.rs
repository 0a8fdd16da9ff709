//! Subjects: `Re:`/`Fwd:` prefixes taken off, for naming threads and tying replies to them.

/// The prefixes mail programs put before a subject; the first four mark a reply.
const PREFIXES: [&str; 7] = ["re:", "aw:", "sv:", "re :", "fwd:", "fw:", "tr:"];

/// The subject without its leading prefixes, and whether one of them marked a reply.
fn split_prefixes(subject: &str) -> (&str, bool) {
    let mut s = subject.trim();
    let mut reply = false;
    while let Some((i, p)) = PREFIXES.iter().enumerate().find(|(_, p)| {
        s.get(..p.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(p))
    }) {
        reply |= i < 4;
        s = s[p.len()..].trim_start();
    }
    (s, reply)
}

/// A subject without its `Re:`/`Fwd:` prefixes, in lower case with single spaces: the
/// fallback key that ties a reply to its thread; and whether it was marked as a reply.
pub fn normalise_subject(subject: &str) -> (String, bool) {
    let (rest, reply) = split_prefixes(subject);
    let words: Vec<&str> = rest.split_whitespace().collect();
    (words.join(" ").to_lowercase(), reply)
}

/// The subject as written, without its prefixes (for naming a thread).
pub(super) fn strip_prefixes(subject: &str) -> &str {
    split_prefixes(subject).0
}

#[cfg(test)]
mod tests {
    use crate::features::email::analysis::subjects::{normalise_subject, strip_prefixes};

    #[test]
    fn subjects_lose_reply_and_forward_prefixes() {
        assert_eq!(
            normalise_subject("Re: RE: Fwd:  Budget   Review"),
            ("budget review".into(), true)
        );
        assert_eq!(normalise_subject("Fwd: Budget"), ("budget".into(), false));
        assert_eq!(
            normalise_subject("Regarding budget"),
            ("regarding budget".into(), false)
        );
        assert_eq!(strip_prefixes("RE: Fwd: Café"), "Café");
    }
}
