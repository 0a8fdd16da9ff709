//! What the built-in test AI service answers for each Digame tool: read from the
//! person's text deterministically (misspellings, decisions and action items, a tiny
//! dictionary), in the JSON shape each tool's prompt asks for.

use serde_json::{json, Value};

/// The deterministic answer of each tool; asked for brief answers, at most two key points.
pub(super) fn answer(tool: &str, text: &str, system: &str) -> Value {
    let mut answer = match tool {
        "writing" => writing(text),
        "style" => style(text),
        "meetings" => meetings(text),
        "translate" => translate(text, system),
        "define" => define(text, system),
        "email" => email(text),
        _ => json!({"error": "unknown tool"}),
    };
    if system.contains(crate::ai::prompt::BRIEF) {
        if let Some(points) = answer.get_mut("key_points").and_then(Value::as_array_mut) {
            points.truncate(2);
        }
    }
    answer
}

/// A narrative read from the email aggregates it was sent (JSON).
fn email(text: &str) -> Value {
    let figures: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let sent = figures["messages"]["sent"].as_u64().unwrap_or(0);
    let received = figures["messages"]["received"].as_u64().unwrap_or(0);
    let outside = figures["share_outside_working_hours_pct"]["sent"]
        .as_u64()
        .unwrap_or(0);
    let top = figures["top_correspondents"][0]["who"]
        .as_str()
        .unwrap_or("nobody");
    json!({
        "narrative": format!("You sent {sent} messages and received {received}. {outside} % of what you send goes out after hours. You write most with {top}."),
        "suggestions": [format!("Set two times a day to answer {top}."), "Schedule messages written after hours to go out in the morning."],
    })
}

fn writing(text: &str) -> Value {
    let mut suggestions = Vec::new();
    let words: Vec<&str> = text.split_whitespace().collect();
    for pair in words.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if a.eq_ignore_ascii_case("very") {
            suggestions.push(json!({"original": format!("{a} {b}"), "message": "“Very” rarely adds meaning; a stronger word reads better.", "replacements": [b], "category": "style"}));
        }
        if a.eq_ignore_ascii_case(b) && a.chars().all(char::is_alphabetic) {
            suggestions.push(json!({"original": format!("{a} {b}"), "message": "The word is repeated.", "replacements": [a], "category": "grammar"}));
        }
    }
    for w in &words {
        let bare = w.trim_matches(|c: char| !c.is_alphanumeric());
        if bare.eq_ignore_ascii_case("utilize") {
            suggestions.push(json!({"original": bare, "message": "“Use” says the same more plainly.", "replacements": ["use"], "category": "clarity"}));
        }
        if bare == "i" {
            suggestions.push(json!({"original": " i ", "message": "“I” is always a capital letter.", "replacements": [" I "], "category": "grammar"}));
        }
    }
    if text.contains("!!") {
        suggestions.push(json!({"original": "!!", "message": "Several exclamation marks can read as shouting.", "replacements": ["!"], "category": "tone"}));
    }
    for w in &words {
        let bare = w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'');
        if let Some((_, right)) = MISSPELLINGS
            .iter()
            .find(|(wrong, _)| bare.eq_ignore_ascii_case(wrong))
        {
            suggestions.push(json!({"original": bare, "message": format!("Did you mean “{right}”?"), "replacements": [right], "category": "spelling"}));
        }
    }
    for pair in words.windows(2) {
        let (a, b) = (
            pair[0],
            pair[1].trim_matches(|c: char| !c.is_alphanumeric()),
        );
        let lower = (a.to_lowercase(), b.to_lowercase());
        let confusion = match (lower.0.as_str(), lower.1.as_str()) {
            ("you're", noun) if NOUNS.contains(&noun) => {
                Some(("your", "“You're” is “you are”; before a noun it is “your”."))
            }
            ("your", "welcome") => Some((
                "you're",
                "“Your welcome” should be “you're welcome” (you are).",
            )),
            ("could" | "should" | "would", "of") => {
                Some(("have", "After could, should or would, “of” is “have”."))
            }
            ("more" | "less" | "better" | "rather" | "other", "then") => {
                Some(("than", "In a comparison it is “than”, not “then”."))
            }
            _ => None,
        };
        if let Some((replacement, message)) = confusion {
            let (original, replaced) = if lower.0 == "your" || lower.0 == "you're" {
                (
                    format!("{a} {b}"),
                    format!("{} {b}", match_case(a, replacement)),
                )
            } else {
                (
                    format!("{a} {b}"),
                    format!("{a} {}", match_case(b, replacement)),
                )
            };
            suggestions.push(json!({"original": original, "message": message, "replacements": [replaced], "category": "grammar"}));
        }
    }
    json!({"suggestions": suggestions})
}

/// Common misspellings, as the demo's writing check knows them.
const MISSPELLINGS: [(&str, &str); 24] = [
    ("definately", "definitely"),
    ("alot", "a lot"),
    ("recieve", "receive"),
    ("recieved", "received"),
    ("seperate", "separate"),
    ("occured", "occurred"),
    ("untill", "until"),
    ("wich", "which"),
    ("teh", "the"),
    ("accomodate", "accommodate"),
    ("goverment", "government"),
    ("tommorow", "tomorrow"),
    ("tommorrow", "tomorrow"),
    ("beleive", "believe"),
    ("thier", "their"),
    ("wierd", "weird"),
    ("neccessary", "necessary"),
    ("existance", "existence"),
    ("calender", "calendar"),
    ("publically", "publicly"),
    ("occassion", "occasion"),
    ("responsability", "responsibility"),
    ("adress", "address"),
    ("succesful", "successful"),
];

/// Nouns that follow "your", for the you're/your check.
const NOUNS: [&str; 16] = [
    "patience",
    "help",
    "time",
    "email",
    "message",
    "team",
    "work",
    "support",
    "feedback",
    "input",
    "order",
    "account",
    "name",
    "reply",
    "question",
    "understanding",
];

/// `word` written with the capital `like` starts with.
fn match_case(like: &str, word: &str) -> String {
    if like.starts_with(char::is_uppercase) {
        let mut c = word.chars();
        c.next()
            .map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
    } else {
        word.to_owned()
    }
}

fn count_any(text: &str, words: &[&str]) -> Vec<String> {
    let lower = text.to_lowercase();
    words
        .iter()
        .filter(|w| lower.contains(*w))
        .map(|w| (*w).to_owned())
        .collect()
}

fn style(text: &str) -> Value {
    let friendly = count_any(text, &["thanks", "thank you", "great", "happy", "please"]);
    let hedges = count_any(
        text,
        &["maybe", "perhaps", "might", "i think", "possibly", "just"],
    );
    let direct = count_any(text, &["must", "need to", "now", "immediately", "will"]);
    let formal = count_any(
        text,
        &["regards", "dear", "sincerely", "furthermore", "therefore"],
    );
    let mut categories = Vec::new();
    let conf = |n: usize| (0.5 + 0.15 * n as f64).min(0.95);
    for (label, phrases) in [
        ("friendly", &friendly),
        ("passive", &hedges),
        ("direct", &direct),
        ("formal", &formal),
    ] {
        if !phrases.is_empty() {
            categories.push(
                json!({"label": label, "confidence": conf(phrases.len()), "phrases": phrases}),
            );
        }
    }
    if categories.is_empty() {
        categories.push(json!({"label": "neutral", "confidence": 0.6, "phrases": []}));
    }
    let words = text.split_whitespace().count().max(1) as f64;
    json!({
        "categories": categories,
        "sentiment": ((friendly.len() as f64 - direct.len() as f64 * 0.5) / 3.0).clamp(-1.0, 1.0),
        "hedging": (hedges.len() as f64 * 10.0 / words).min(1.0),
    })
}

/// Decisions and action items from how people write them: `Decision:` and `Action:` lines,
/// and ordinary sentences ("we agreed to…", "Ana will send the draft by Friday", "I'll…"
/// after a speaker's name).
fn meetings(text: &str) -> Value {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut decisions = Vec::new();
    let mut actions = Vec::new();
    let mut points = Vec::new();
    for line in &lines {
        let lower = line.to_lowercase();
        if lower.starts_with("decision:") {
            decisions.push(line["decision:".len()..].trim().to_owned());
            continue;
        }
        if lower.starts_with("action:") {
            // "Action: Ana - send the draft by 2026-12-01"
            let rest = line["action:".len()..].trim();
            let (owner, task) = rest
                .split_once(" - ")
                .map_or((None, rest), |(o, t)| (Some(o.trim()), t.trim()));
            let (task, due) = split_due(task);
            actions.push(json!({"owner": owner, "task": task, "due": due}));
            continue;
        }
        // "Ana: I will send it." — a speaker's name, then what they said.
        let (speaker, said) = match line.split_once(": ") {
            Some((who, rest))
                if who.split_whitespace().count() <= 3 && who.starts_with(char::is_uppercase) =>
            {
                (Some(who.trim()), rest)
            }
            _ => (None, *line),
        };
        let mut found = false;
        for sentence in sentences(said) {
            if let Some(decision) = decision_in(sentence) {
                decisions.push(decision);
                found = true;
            } else if let Some(action) = action_in(sentence, speaker) {
                actions.push(action);
                found = true;
            }
        }
        if !found {
            points.push((*line).to_owned());
        }
    }
    let summary = match lines.first() {
        Some(first) => format!(
            "The meeting covered {} topics, starting with: {}",
            points.len().max(1),
            first
        ),
        None => "The notes are empty.".to_owned(),
    };
    json!({"summary": summary, "key_points": points.into_iter().take(5).collect::<Vec<_>>(), "decisions": decisions, "action_items": actions})
}

fn sentences(text: &str) -> impl Iterator<Item = &str> {
    text.split_inclusive(['.', '!', '?'])
        .map(|s| s.trim().trim_end_matches(['.', '!', '?']).trim())
        .filter(|s| !s.is_empty())
}

/// "We agreed to ship on the 1st" → "ship on the 1st".
fn decision_in(sentence: &str) -> Option<String> {
    const MARKS: [&str; 7] = [
        "we agreed to ",
        "we agreed that ",
        "we agreed on ",
        "we decided to ",
        "we decided that ",
        "it was decided to ",
        "the decision is to ",
    ];
    let lower = sentence.to_lowercase();
    MARKS.iter().find_map(|m| {
        let at = lower.find(m)?;
        let rest = sentence[at + m.len()..].trim();
        (!rest.is_empty()).then(|| rest.to_owned())
    })
}

/// "Ana will send the draft by Friday" → Ana, "send the draft", Friday; "I'll…" is the
/// speaker's.
fn action_in(sentence: &str, speaker: Option<&str>) -> Option<Value> {
    let words: Vec<&str> = sentence.split_whitespace().collect();
    let at = words.iter().position(|w| {
        let w = w.to_lowercase();
        w == "will" || w == "i'll" || w == "i’ll"
    })?;
    let subject = if words[at].eq_ignore_ascii_case("will") {
        *words.get(at.checked_sub(1)?)?
    } else {
        "I"
    };
    let owner = match subject {
        "I" => speaker.map(str::to_owned),
        s if s.starts_with(char::is_uppercase)
            && !["We", "It", "This", "That", "They"].contains(&s) =>
        {
            Some(s.trim_matches(|c: char| !c.is_alphanumeric()).to_owned())
        }
        _ => return None,
    };
    let task = words[at + 1..].join(" ");
    let (task, due) = split_due(&task);
    (task.split_whitespace().count() >= 2)
        .then(|| json!({"owner": owner, "task": task, "due": due}))
}

/// "send the draft by Friday" → ("send the draft", Some("Friday")).
fn split_due(task: &str) -> (&str, Option<&str>) {
    task.rsplit_once(" by ")
        .map_or((task, None), |(t, d)| (t.trim(), Some(d.trim())))
}

fn option_after(system: &str, label: &str) -> String {
    system
        .split(label)
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or("")
        .trim_end_matches('.')
        .to_owned()
}

const DICTIONARY: [(&str, &str, &str, &str); 6] = [
    ("hello", "hola", "bonjour", "hallo"),
    ("world", "mundo", "monde", "Welt"),
    ("thank you", "gracias", "merci", "danke"),
    ("good morning", "buenos días", "bonjour", "guten Morgen"),
    ("meeting", "reunión", "réunion", "Besprechung"),
    ("cat", "gato", "chat", "Katze"),
];

fn translate(text: &str, system: &str) -> Value {
    let target = option_after(system, "Target language:");
    let mut out = text.to_lowercase();
    for (en, es, fr, de) in DICTIONARY {
        let to = match target.as_str() {
            "es" => es,
            "fr" => fr,
            "de" => de,
            _ => continue,
        };
        out = out.replace(en, to);
    }
    json!({"translation": format!("[{target}] {out}"), "detected_source_language": "en"})
}

fn define(text: &str, system: &str) -> Value {
    let language = option_after(system, "Answer language:");
    let word = text.trim();
    json!({
        "word": word,
        "part_of_speech": if word.ends_with("ly") { "adverb" } else if word.ends_with("ing") { "verb" } else { "noun" },
        "definitions": [
            {"meaning": format!("({language}) The first sense of “{word}” in the test service's dictionary."), "example": format!("She used the word “{word}” in a sentence.")},
            {"meaning": format!("({language}) A second, rarer sense of “{word}”."), "example": null}
        ]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_and_actions_are_found_in_ordinary_phrasing() {
        let notes = "Weekly sync\nWe looked at the budget. We agreed to move the launch to March.\n\
                     Ana: I'll send the revised plan by Friday.\nBen will book the room by 2026-12-01.\n\
                     We will meet again next week.";
        let answer = meetings(notes);
        assert_eq!(answer["decisions"], json!(["move the launch to March"]));
        assert_eq!(
            answer["action_items"],
            json!([
                {"owner": "Ana", "task": "send the revised plan", "due": "Friday"},
                {"owner": "Ben", "task": "book the room", "due": "2026-12-01"},
            ])
        );
        assert_eq!(
            answer["key_points"],
            json!(["Weekly sync", "We will meet again next week."])
        );
        // The labelled forms still work.
        let labelled =
            meetings("Decision: ship on the 1st\nAction: Ana - send the draft by 2026-12-01");
        assert_eq!(labelled["decisions"], json!(["ship on the 1st"]));
        assert_eq!(labelled["action_items"][0]["owner"], "Ana");
    }

    #[test]
    fn common_misspellings_and_confusions_are_flagged() {
        let answer = writing("I definately need alot of you're patience, more then before.");
        let originals: Vec<&str> = answer["suggestions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["original"].as_str().unwrap())
            .collect();
        assert_eq!(
            originals,
            vec!["definately", "alot", "you're patience", "more then"]
        );
        assert_eq!(answer["suggestions"][2]["replacements"][0], "your patience");
        assert_eq!(answer["suggestions"][3]["replacements"][0], "more than");
    }
}
