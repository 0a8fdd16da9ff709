//! CSV exports (date, from, to and subject columns, found by name) and the many ways mail
//! exports write a date.

use super::{clean_address, fail, MessageMeta, ReadError, Skip};
use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};
use std::io::{BufReader, Read};

pub(super) fn read_csv<R: Read>(
    file: R,
    take: &mut dyn FnMut(Result<MessageMeta, Skip>) -> Result<(), ReadError>,
) -> Result<(), ReadError> {
    let mut reader = ::csv::ReaderBuilder::new()
        .flexible(true)
        .trim(::csv::Trim::All)
        .from_reader(BufReader::new(file));
    let header = reader
        .headers()
        .map_err(|_| {
            ReadError("The first line of the CSV file cannot be read as column names.".into())
        })?
        .clone();
    let find = |names: &[&str]| {
        header.iter().position(|h| {
            names
                .iter()
                .any(|n| h.trim_start_matches('\u{feff}').eq_ignore_ascii_case(n))
        })
    };
    let (Some(date_col), Some(from_col), Some(to_col), Some(subject_col)) = (
        find(&["date", "sent", "received", "datetime"]),
        find(&["from", "sender"]),
        find(&["to", "recipients", "recipient"]),
        find(&["subject"]),
    ) else {
        let found: Vec<&str> = header.iter().collect();
        return fail(format!(
            "The CSV file needs the columns date, from, to and subject (in any order); its first line names {}.",
            if found.iter().all(|f| f.is_empty()) {
                "no columns".to_owned()
            } else {
                found.join(", ")
            }
        ));
    };
    let cc_col = find(&["cc"]);
    let id_col = find(&["message_id", "message-id", "messageid", "id"]);
    let reply_col = find(&["in_reply_to", "in-reply-to", "inreplyto"]);
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(_) => {
                return fail(format!(
                    "Line {line} of the CSV file cannot be read (a quote left open, or text that is not UTF-8)."
                ))
            }
        }
        let cell = |col: usize| record.get(col).unwrap_or_default();
        if record.iter().all(str::is_empty) {
            continue;
        }
        let (timestamp, offset_minutes) = parse_date(cell(date_col)).ok_or_else(|| {
            ReadError(format!(
                "Line {line} of the CSV file: “{}” is not a date Digame can read. Use a form such as 2026-03-01 14:05, 2026-03-01T14:05:00+01:00 or Sun, 1 Mar 2026 14:05:00 +0100.",
                cell(date_col).chars().take(40).collect::<String>()
            ))
        })?;
        let Some(from) = clean_address(cell(from_col)) else {
            take(Err(Skip {
                which: format!("Line {line}"),
                why: "it has no readable sender (from)",
            }))?;
            continue;
        };
        let mut to: Vec<String> = split_addresses(cell(to_col));
        if let Some(cc) = cc_col {
            to.extend(split_addresses(cell(cc)));
        }
        let opt = |col: Option<usize>| {
            col.map(|c| cell(c).trim_matches(|ch| ch == '<' || ch == '>').to_owned())
                .filter(|s| !s.is_empty())
        };
        take(Ok(MessageMeta {
            timestamp,
            offset_minutes,
            from,
            to,
            subject: cell(subject_col).to_owned(),
            message_id: opt(id_col),
            in_reply_to: opt(reply_col).into_iter().collect(),
            references: Vec::new(),
        }))?;
    }
    Ok(())
}

fn split_addresses(cell: &str) -> Vec<String> {
    cell.split([';', ',']).filter_map(clean_address).collect()
}

/// A date as exports write them: RFC 3339 / ISO 8601 with or without a zone, RFC 2822,
/// `2026-03-01 14:05[:00]`, `2026/03/01 14:05`, `01.03.2026 14:05`, or Unix seconds. Without a
/// zone the time is taken as written (offset `None`, counted as UTC). Day/month orders that
/// cannot be told apart (`03/01/2026`) are refused rather than guessed.
pub fn parse_date(text: &str) -> Option<(i64, Option<i32>)> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    let zoned =
        |d: DateTime<FixedOffset>| Some((d.timestamp(), Some(d.offset().local_minus_utc() / 60)));
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return zoned(d);
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(t) {
        return zoned(d);
    }
    for f in [
        "%Y-%m-%d %H:%M:%S%.f %z",
        "%Y-%m-%d %H:%M:%S %z",
        "%Y-%m-%d %H:%M %z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
    ] {
        if let Ok(d) = DateTime::parse_from_str(t, f) {
            return zoned(d);
        }
    }
    for f in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
        "%Y/%m/%d %H:%M:%S",
        "%Y/%m/%d %H:%M",
        "%d.%m.%Y %H:%M:%S",
        "%d.%m.%Y %H:%M",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(t, f) {
            return Some((Utc.from_utc_datetime(&d).timestamp(), None));
        }
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Some((
            Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0)?).timestamp(),
            None,
        ));
    }
    if t.len() >= 9 && t.len() <= 11 && t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse::<i64>().ok().map(|s| (s, Some(0)));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::tests::read_all;
    use super::super::Format;
    use super::*;

    #[test]
    fn dates_are_read_in_their_zones() {
        assert_eq!(
            parse_date("2026-03-02T09:00:00Z"),
            Some((1_772_442_000, Some(0)))
        );
        assert_eq!(
            parse_date("2026-03-02 10:00 +0100"),
            Some((1_772_442_000, Some(60)))
        );
        assert_eq!(
            parse_date("2026-03-02 09:00:00"),
            Some((1_772_442_000, None))
        );
        assert_eq!(parse_date("1772442000"), Some((1_772_442_000, Some(0))));
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(parse_date("2026-02-30 10:00"), None);
    }

    #[test]
    fn csv_columns_are_found_by_name_and_dates_in_many_forms() {
        let csv = "Subject,From,To,Date,Cc\n\
            Hello,\"Alice <Alice@Example.com>\",me@digame.test;bob@x.test,2026-03-02 09:00,\n\
            Re: Hello,me@digame.test,alice@example.com,2026-03-02T10:30:00+01:00,carol@y.test\n\
            Later,me@digame.test,alice@example.com,\"Mon, 2 Mar 2026 18:00:00 -0500\",\n\
            \n\
            Dots,alice@example.com,me@digame.test,02.03.2026 20:15,\n";
        let (messages, summary) = read_all(csv.as_bytes(), Format::Csv).unwrap();
        assert_eq!(summary.messages, 4);
        assert_eq!(messages[0].from, "alice@example.com");
        assert_eq!(
            messages[0].to,
            vec!["me@digame.test".to_owned(), "bob@x.test".to_owned()]
        );
        assert_eq!(messages[0].offset_minutes, None);
        assert_eq!(
            messages[1].to,
            vec!["alice@example.com".to_owned(), "carol@y.test".to_owned()]
        );
        assert_eq!(messages[1].offset_minutes, Some(60));
        assert_eq!(messages[2].offset_minutes, Some(-300));
        assert_eq!(messages[1].timestamp - messages[0].timestamp, 30 * 60);
    }

    #[test]
    fn csv_with_wrong_columns_or_odd_dates_says_which() {
        let err = read_all(b"when,who,what\n1,2,3\n", Format::Csv).unwrap_err();
        assert!(
            err.0
                .contains("needs the columns date, from, to and subject"),
            "{}",
            err.0
        );
        assert!(err.0.contains("when, who, what"), "{}", err.0);
        let err = read_all(
            b"date,from,to,subject\n03/01/2026,a@b.co,c@d.co,x\n",
            Format::Csv,
        )
        .unwrap_err();
        assert!(
            err.0.contains("Line 2") && err.0.contains("03/01/2026"),
            "{}",
            err.0
        );
    }
}
