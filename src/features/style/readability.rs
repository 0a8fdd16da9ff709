//! The Flesch–Kincaid grade level, computed locally: 0.39 × words per sentence + 11.8 ×
//! syllables per word − 15.59. Syllables are counted by vowel groups (English), which is
//! what the formula was made with.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Readability {
    pub words: usize,
    pub sentences: usize,
    /// US school grade; 0 for text too short to tell.
    pub grade: f32,
}

impl Readability {
    pub fn of(text: &str) -> Readability {
        let words: Vec<&str> = text
            .split(|c: char| c.is_whitespace())
            .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
            .filter(|w| w.chars().any(char::is_alphabetic))
            .collect();
        let sentences = text
            .split(['.', '!', '?', '\n'])
            .filter(|s| s.chars().any(char::is_alphabetic))
            .count()
            .max(usize::from(!words.is_empty()));
        if words.is_empty() {
            return Readability {
                words: 0,
                sentences: 0,
                grade: 0.0,
            };
        }
        let syllables: usize = words.iter().map(|w| syllables(w)).sum();
        let grade = 0.39 * words.len() as f32 / sentences as f32
            + 11.8 * syllables as f32 / words.len() as f32
            - 15.59;
        Readability {
            words: words.len(),
            sentences,
            grade: (grade.max(0.0) * 10.0).round() / 10.0,
        }
    }

    /// In words: how hard the text is to read.
    pub fn label(&self) -> &'static str {
        match self.grade {
            g if g < 6.0 => "very easy",
            g if g < 9.0 => "easy",
            g if g < 13.0 => "fairly hard",
            _ => "hard",
        }
    }
}

/// Vowel groups, less a silent final `e`; at least one.
pub fn syllables(word: &str) -> usize {
    let w = word.to_lowercase();
    let is_vowel = |c: char| "aeiouyàáâäèéêëìíîïòóôöùúûü".contains(c);
    let mut count = 0;
    let mut prev = false;
    for c in w.chars() {
        let v = is_vowel(c);
        if v && !prev {
            count += 1;
        }
        prev = v;
    }
    if w.ends_with('e') && !w.ends_with("le") && count > 1 {
        count -= 1;
    }
    count.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syllables_by_vowel_groups() {
        for (w, n) in [
            ("cat", 1),
            ("table", 2),
            ("make", 1),
            ("readability", 5),
            ("rhythm", 1),
            ("queue", 1),
            ("Über", 2),
        ] {
            assert_eq!(syllables(w), n, "{w}");
        }
    }

    #[test]
    fn simple_text_grades_low_and_dense_text_high() {
        let easy = Readability::of("The cat sat on the mat. It was warm. We had fun.");
        assert_eq!((easy.words, easy.sentences), (12, 3));
        assert!(easy.grade < 2.0, "{easy:?}");
        assert_eq!(easy.label(), "very easy");
        let hard = Readability::of(
            "Notwithstanding considerable organisational complexity, interdepartmental \
             communication necessitates comprehensive documentation and systematic verification.",
        );
        assert!(hard.grade > 16.0, "{hard:?}");
        assert_eq!(hard.label(), "hard");
    }

    #[test]
    fn empty_or_symbol_only_text_has_no_grade() {
        assert_eq!(Readability::of("").grade, 0.0);
        assert_eq!(Readability::of("123 !!! ...").words, 0);
        assert_eq!(Readability::of("Hello").sentences, 1);
    }
}
