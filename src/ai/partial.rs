//! Reading a JSON answer while it is still arriving: the value the text so far would be if
//! it ended here. Used to show a streamed answer as it grows, never as the final result
//! (that is read and checked whole, as every other answer).

use serde_json::Value;

/// The closers of the open containers, innermost first.
fn closers(stack: &[u8]) -> String {
    stack
        .iter()
        .rev()
        .map(|open| if *open == b'{' { '}' } else { ']' })
        .collect()
}

/// The JSON object a prefix of an answer would become if it ended here: an open string
/// closed where it stops, an unfinished key, number or literal dropped with what leads to
/// it, open arrays and objects closed. `None` before the object's `{` has arrived. Text
/// before the first `{` (prose, a code fence) is skipped, as the final reading does.
pub fn complete_prefix(text: &str) -> Option<Value> {
    let text = &text[text.find('{')?..];
    let bytes = text.as_bytes();
    let mut stack: Vec<u8> = Vec::new();
    let (mut in_string, mut escaped) = (false, false);
    // Places where the text can be cut and closed: after an opening bracket, before a
    // comma, after a closing bracket; each with the containers open there.
    let mut cuts: Vec<(usize, Vec<u8>)> = Vec::new();
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                stack.push(b);
                cuts.push((i + 1, stack.clone()));
            }
            b'}' | b']' => {
                stack.pop();
                cuts.push((i + 1, stack.clone()));
                if stack.is_empty() {
                    // The object is whole: what follows it is not part of the answer.
                    return serde_json::from_str(&text[..=i]).ok();
                }
            }
            b',' => cuts.push((i, stack.clone())),
            _ => {}
        }
    }
    // The text as it stands, an open string closed (a lone escape character dropped).
    let mut whole = if escaped {
        text[..text.len() - 1].to_owned()
    } else {
        text.to_owned()
    };
    if in_string {
        whole.push('"');
    }
    whole.push_str(&closers(&stack));
    if let Ok(v) = serde_json::from_str(&whole) {
        return Some(v);
    }
    cuts.iter().rev().find_map(|(at, open)| {
        let candidate = format!("{}{}", &text[..*at], closers(open));
        serde_json::from_str(&candidate).ok()
    })
}

/// As [`complete_prefix`], but a list shows only its whole items: an item still arriving
/// (a suggestion half written, a string in a list cut short) is left out until it is
/// complete, while a text outside any list (a summary) grows as it arrives.
pub fn complete_items(text: &str) -> Option<Value> {
    let from = text.find('{')?;
    let body = &text[from..];
    // For each open container: whether it is a list, where its current item may be cut
    // off (after `[` or before the `,` that precedes the item), and whether an item has
    // begun there and not yet ended.
    struct Open {
        list: bool,
        cut: usize,
        item_open: bool,
    }
    let mut stack: Vec<Open> = Vec::new();
    let (mut in_string, mut escaped) = (false, false);
    for (i, &b) in body.as_bytes().iter().enumerate() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => {
                    in_string = false;
                    // A string in a list is a whole item once closed.
                    if let Some(top) = stack.last_mut().filter(|t| t.list) {
                        top.item_open = false;
                    }
                }
                _ => {}
            }
            continue;
        }
        let item_begins = |stack: &mut Vec<Open>| {
            if let Some(top) = stack.last_mut().filter(|t| t.list) {
                top.item_open = true;
            }
        };
        match b {
            b'"' => {
                item_begins(&mut stack);
                in_string = true;
            }
            b'{' | b'[' => {
                item_begins(&mut stack);
                stack.push(Open {
                    list: b == b'[',
                    cut: i + 1,
                    item_open: false,
                });
            }
            b'}' | b']' => {
                stack.pop();
                match stack.last_mut() {
                    None => return serde_json::from_str(&body[..=i]).ok(),
                    Some(top) if top.list => top.item_open = false,
                    Some(_) => {}
                }
            }
            b',' => {
                if let Some(top) = stack.last_mut().filter(|t| t.list) {
                    top.cut = i;
                    top.item_open = false;
                }
            }
            b if b.is_ascii_whitespace() || b == b':' => {}
            _ => item_begins(&mut stack),
        }
    }
    // The outermost list with an item still arriving: cut there, and close what is open.
    match stack.iter().find(|o| o.list && o.item_open) {
        Some(open) => complete_prefix(&body[..open.cut]),
        None => complete_prefix(body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_prefix_of_an_answer_reads_as_an_object() {
        let answer = r#"{"summary": "We agreed \"go\" — é.", "key_points": ["a", "b"], "n": 12.5, "ok": true, "items": [{"owner": null, "task": "Write"}]}"#;
        let full: Value = serde_json::from_str(answer).unwrap();
        for (end, _) in answer.char_indices().skip(1) {
            let v = complete_prefix(&answer[..end])
                .unwrap_or_else(|| panic!("no value for {:?}", &answer[..end]));
            assert!(v.is_object(), "{:?} gave {v}", &answer[..end]);
        }
        assert_eq!(complete_prefix(answer), Some(full));
    }

    #[test]
    fn unfinished_parts_are_closed_or_dropped() {
        assert_eq!(complete_prefix("Sure: ```json\n"), None);
        assert_eq!(complete_prefix("{"), Some(json!({})));
        assert_eq!(
            complete_prefix(r#"{"summary": "We agr"#),
            Some(json!({"summary": "We agr"}))
        );
        assert_eq!(
            complete_prefix(r#"{"summary": "x", "key_po"#),
            Some(json!({"summary": "x"}))
        );
        assert_eq!(
            complete_prefix(r#"{"summary": "x", "key_points":"#),
            Some(json!({"summary": "x"}))
        );
        assert_eq!(
            complete_prefix(r#"{"points": ["a", "b"#),
            Some(json!({"points": ["a", "b"]}))
        );
        assert_eq!(
            complete_prefix(r#"{"items": [{"owner": nu"#),
            Some(json!({"items": [{}]}))
        );
        assert_eq!(complete_prefix(r#"{"s": "a\"#), Some(json!({"s": "a"})));
        assert_eq!(
            complete_prefix("{\"a\": 1} and some words {\"b\""),
            Some(json!({"a": 1}))
        );
    }

    #[test]
    fn lists_show_only_their_whole_items() {
        assert_eq!(
            complete_items(r#"{"summary": "We agr"#),
            Some(json!({"summary": "We agr"}))
        );
        assert_eq!(
            complete_items(r#"{"summary": "x", "points": ["a", "b"#),
            Some(json!({"summary": "x", "points": ["a"]}))
        );
        assert_eq!(
            complete_items(r#"{"points": ["a", "b""#),
            Some(json!({"points": ["a", "b"]}))
        );
        assert_eq!(
            complete_items(r#"{"items": [{"from": "teh", "to": "th"#),
            Some(json!({"items": []}))
        );
        assert_eq!(
            complete_items(r#"{"items": [{"from": "teh", "to": "the"}, {"from": "#),
            Some(json!({"items": [{"from": "teh", "to": "the"}]}))
        );
        assert_eq!(complete_items(r#"{"n": [1, 2"#), Some(json!({"n": [1]})));
        let answer = r#"{"s": "a\"b", "items": [{"k": [1, "x"]}, {"k": []}], "t": "é"}"#;
        let full: Value = serde_json::from_str(answer).unwrap();
        for (end, _) in answer.char_indices().skip(1) {
            let v = complete_items(&answer[..end]).unwrap();
            let items = v["items"].as_array().map_or(0, Vec::len);
            // An item is shown only once its closing brace has arrived.
            let closed = answer[..end].matches('}').count();
            assert!(items <= closed, "{:?} gave {v}", &answer[..end]);
        }
        assert_eq!(complete_items(answer), Some(full));
    }
}
