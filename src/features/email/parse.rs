//! Reading a mail export into message metadata, one message at a time: an mbox file, a zip
//! of `.eml` files (a folder export), a single `.eml`, or a CSV with date, from, to and
//! subject columns. Headers are parsed by `mail-parser`; bodies are never kept (each
//! message's bytes are dropped as soon as its headers are read, and from a zip only the
//! start of each entry, where the headers are, is read).

use mail_parser::{Address, HeaderValue, MessageParser};
use std::io::{Read, Seek, SeekFrom};

mod csv;
mod mbox;

pub use self::csv::parse_date;
use self::csv::read_csv;
use self::mbox::read_mbox;

/// What the analysis keeps of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageMeta {
    /// Seconds since the Unix epoch (UTC).
    pub timestamp: i64,
    /// The offset from UTC the `Date` header was written in, in minutes; `None` when the
    /// date carried none (a CSV date without a zone).
    pub offset_minutes: Option<i32>,
    /// Lower-case address.
    pub from: String,
    /// To and Cc, lower-case addresses.
    pub to: Vec<String>,
    pub subject: String,
    pub message_id: Option<String>,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
}

/// A kind of file the tool reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Mbox,
    Eml,
    Zip,
    Csv,
}

impl Format {
    pub fn label(self) -> &'static str {
        match self {
            Format::Mbox => "mbox file",
            Format::Eml => "message (.eml)",
            Format::Zip => "zipped folder of .eml files",
            Format::Csv => "CSV file",
        }
    }
}

/// Why a file could not be read; each message is meant for the person who uploaded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError(pub String);

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn fail<T>(message: impl Into<String>) -> Result<T, ReadError> {
    Err(ReadError(message.into()))
}

const KINDS: &str = "Digame reads an mbox file, a zipped folder of .eml files, a single .eml message, or a CSV file with date, from, to and subject columns";

/// The file's kind, from its first bytes and then its name.
pub fn detect(file_name: &str, head: &[u8]) -> Result<Format, ReadError> {
    let name = file_name.to_ascii_lowercase();
    if head.is_empty() {
        return fail("The file is empty. Choose an export that holds some mail.");
    }
    if head.starts_with(b"PK\x03\x04") {
        return Ok(Format::Zip);
    }
    if head.starts_with(b"PK") || name.ends_with(".zip") {
        return fail("This zip file cannot be opened (it is damaged or empty).");
    }
    if head.starts_with(b"From ") {
        return Ok(Format::Mbox);
    }
    if name.ends_with(".csv") {
        return Ok(Format::Csv);
    }
    let first_line = head.split(|b| *b == b'\n').next().unwrap_or_default();
    let first = String::from_utf8_lossy(first_line).to_ascii_lowercase();
    if looks_like_header(&first) {
        return Ok(Format::Eml);
    }
    if first.contains("date") && first.contains("from") && first.contains(',') {
        return Ok(Format::Csv);
    }
    fail(format!("{KINDS}; this file is none of these."))
}

fn looks_like_header(line: &str) -> bool {
    const NAMES: [&str; 10] = [
        "return-path:",
        "received:",
        "delivered-to:",
        "from:",
        "date:",
        "to:",
        "subject:",
        "message-id:",
        "mime-version:",
        "x-",
    ];
    NAMES.iter().any(|n| line.starts_with(n))
}

/// Limits on what one upload may hold.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_messages: usize,
    /// Reading stops with an error past this moment (`None`: no time limit).
    pub deadline: Option<std::time::Instant>,
}

/// The largest single message read from an mbox (its headers are kept, the rest skipped).
pub const MESSAGE_BYTES_MAX: u64 = 64 * 1024 * 1024;
/// The most entries (of any kind) a zip may list; the zip reader holds every entry's record.
pub const ZIP_ENTRIES_MAX: u64 = 250_000;
/// The largest central directory (the zip's list of entries) read into memory.
pub const ZIP_DIRECTORY_BYTES_MAX: u64 = 32 * 1024 * 1024;

/// What reading found besides the messages handed to the sink.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadSummary {
    pub messages: usize,
    /// Messages without a readable date or sender.
    pub skipped: usize,
    /// The first [`LEFT_OUT_LISTED`] of them: which, and why.
    pub left_out: Vec<Skip>,
}

/// How many of the messages left out are named, in file order.
pub const LEFT_OUT_LISTED: usize = 20;

/// A message left out of the analysis: which one (its subject, or where it is in the file)
/// and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    pub which: String,
    pub why: &'static str,
}

/// Reads every message of `file` (a `format` file) into `sink`, in file order.
pub fn read<R: Read + Seek>(
    file: R,
    format: Format,
    limits: Limits,
    sink: &mut dyn FnMut(MessageMeta),
) -> Result<ReadSummary, ReadError> {
    let mut summary = ReadSummary::default();
    let mut take = |meta: Result<MessageMeta, Skip>| -> Result<(), ReadError> {
        if limits
            .deadline
            .is_some_and(|d| std::time::Instant::now() > d)
        {
            return fail("Reading the file took too long, so it was stopped. Export a shorter period and try again.");
        }
        match meta {
            Ok(m) => {
                summary.messages += 1;
                if summary.messages > limits.max_messages {
                    return fail(format!(
                        "The file holds more than {} messages, the most one analysis reads. Export a shorter period and try again.",
                        limits.max_messages
                    ));
                }
                sink(m);
            }
            Err(skip) => {
                summary.skipped += 1;
                if summary.left_out.len() < LEFT_OUT_LISTED {
                    summary.left_out.push(skip);
                }
            }
        }
        Ok(())
    };
    match format {
        Format::Mbox => read_mbox(file, &mut take)?,
        Format::Eml => {
            let mut head = Vec::new();
            file.take(HEADER_BYTES_MAX)
                .read_to_end(&mut head)
                .map_err(|_| ReadError("The file could not be read.".into()))?;
            take(headers(&head, None))?;
        }
        Format::Zip => read_zip(file, &mut take)?,
        Format::Csv => read_csv(file, &mut take)?,
    }
    if summary.messages == 0 {
        return fail(if summary.skipped > 0 {
            format!(
                "None of the {} messages in the file has a readable date and sender, so there is nothing to analyse.",
                summary.skipped
            )
        } else {
            format!("No messages were found in the file. {KINDS}.")
        });
    }
    Ok(summary)
}

/// The most of a `.eml` file read for its headers: they come first, and a body is never
/// needed.
const HEADER_BYTES_MAX: u64 = 256 * 1024;

/// The entry count and central-directory size a zip's end record announces (the zip64
/// record when the classic one overflows), read before the zip reader loads the directory
/// whole. Hand-written because the `zip` crate has no limit on what it loads; this reads
/// only the file's last 64 KB and, for zip64, one more 56-byte record.
fn zip_directory<R: Read + Seek>(file: &mut R) -> Option<(u64, u64)> {
    let len = file.seek(SeekFrom::End(0)).ok()?;
    let tail_len = len.min(65_535 + 22);
    file.seek(SeekFrom::Start(len - tail_len)).ok()?;
    let mut tail = vec![0u8; tail_len as usize];
    file.read_exact(&mut tail).ok()?;
    let at = (0..=tail.len().checked_sub(22)?)
        .rev()
        .find(|&i| tail[i..i + 4] == [0x50, 0x4b, 0x05, 0x06])?;
    let u16_at = |b: &[u8], i: usize| u64::from(u16::from_le_bytes([b[i], b[i + 1]]));
    let u32_at =
        |b: &[u8], i: usize| u64::from(u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]));
    let (entries, size) = (u16_at(&tail, at + 10), u32_at(&tail, at + 12));
    if entries != 0xffff && size != 0xffff_ffff {
        return Some((entries, size));
    }
    // Zip64: the locator sits right before the end record and points at the zip64 record.
    let locator = at.checked_sub(20)?;
    if tail[locator..locator + 4] != [0x50, 0x4b, 0x06, 0x07] {
        return None;
    }
    let u64_at =
        |b: &[u8], i: usize| u64::from_le_bytes(b[i..i + 8].try_into().unwrap_or_default());
    file.seek(SeekFrom::Start(u64_at(&tail, locator + 8)))
        .ok()?;
    let mut record = [0u8; 56];
    file.read_exact(&mut record).ok()?;
    (record[..4] == [0x50, 0x4b, 0x06, 0x06]).then(|| (u64_at(&record, 32), u64_at(&record, 40)))
}

fn read_zip<R: Read + Seek>(
    mut file: R,
    take: &mut dyn FnMut(Result<MessageMeta, Skip>) -> Result<(), ReadError>,
) -> Result<(), ReadError> {
    let damaged =
        || ReadError("This zip file cannot be opened (it is damaged or incomplete).".into());
    let (entries, directory) = zip_directory(&mut file).ok_or_else(damaged)?;
    if entries > ZIP_ENTRIES_MAX || directory > ZIP_DIRECTORY_BYTES_MAX {
        return fail(format!(
            "The zip file lists {entries} entries, more than the {ZIP_ENTRIES_MAX} Digame reads. Zip only the folder of messages, or a shorter period."
        ));
    }
    file.rewind().map_err(|_| damaged())?;
    let mut archive = zip::ZipArchive::new(file).map_err(|_| damaged())?;
    // Each entry's stored bytes must be its own: entries that share bytes (a "zip bomb"
    // that unpacks one stream many times over) are refused before anything is unpacked.
    let mut spans = Vec::with_capacity(archive.len());
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|_| damaged())?;
        let start = entry.header_start();
        let end = entry
            .data_start()
            .unwrap_or(start)
            .saturating_add(entry.compressed_size());
        spans.push((start, end.max(start + 1)));
    }
    spans.sort_unstable();
    if spans.windows(2).any(|w| w[1].0 < w[0].1) {
        return fail("This zip file's entries overlap one another, which no mail program writes. Zip the folder of messages again and upload that.");
    }
    drop(spans);
    let mut found = 0usize;
    for i in 0..archive.len() {
        let mut entry = archive
            .by_index(i)
            .map_err(|_| ReadError("An entry of the zip file cannot be read (the file is damaged, or uses encryption or a compression Digame does not read).".into()))?;
        let raw_name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
        let name = raw_name.to_ascii_lowercase();
        if entry.is_dir() || !name.ends_with(".eml") || name.contains("__macosx/") {
            continue;
        }
        found += 1;
        let mut head = Vec::new();
        (&mut entry)
            .take(HEADER_BYTES_MAX)
            .read_to_end(&mut head)
            .map_err(|_| {
                ReadError(format!(
                    "The message {} in the zip file cannot be read (the file is damaged).",
                    raw_name
                ))
            })?;
        take(headers(&head, None).map_err(|skip| Skip {
            which: format!("{} ({})", skip.which, raw_name),
            why: skip.why,
        }))?;
    }
    if found == 0 {
        return fail("The zip file holds no .eml files. Zip the folder of messages your mail program exported.");
    }
    Ok(())
}

/// The metadata of one message from its raw bytes, dated by `envelope` (seconds since the
/// epoch, from an mbox `From ` line) when it has no readable `Date`; why it is left out
/// when it has no date or no sender.
pub fn headers(raw: &[u8], envelope: Option<i64>) -> Result<MessageMeta, Skip> {
    let message = MessageParser::new().parse_headers(raw).ok_or(Skip {
        which: "A message".to_owned(),
        why: "its headers cannot be read",
    })?;
    let subject = message.subject().unwrap_or_default().trim().to_owned();
    let which = || {
        if subject.is_empty() {
            "A message without a subject".to_owned()
        } else {
            format!("“{}”", subject.chars().take(80).collect::<String>())
        }
    };
    let from = first_address(message.from()).ok_or_else(|| Skip {
        which: which(),
        why: "it has no readable sender (From)",
    })?;
    let (timestamp, offset) = match message.date().filter(|d| d.is_valid()) {
        Some(date) => (
            date.to_timestamp(),
            Some(
                (i32::from(date.tz_hour) * 60 + i32::from(date.tz_minute))
                    * if date.tz_before_gmt { -1 } else { 1 },
            ),
        ),
        None => (
            envelope.ok_or_else(|| Skip {
                which: which(),
                why: "it has no readable date",
            })?,
            None,
        ),
    };
    let mut to = addresses(message.to());
    to.extend(addresses(message.cc()));
    Ok(MessageMeta {
        timestamp,
        offset_minutes: offset,
        from,
        to,
        subject,
        message_id: message.message_id().map(str::to_owned),
        in_reply_to: ids(message.in_reply_to()),
        references: ids(message.references()),
    })
}

fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    value
        .as_text_list()
        .map(|l| l.iter().map(|s| s.to_string()).collect())
        .unwrap_or_default()
}

fn addresses(value: Option<&Address<'_>>) -> Vec<String> {
    value
        .map(|a| {
            a.iter()
                .filter_map(|addr| addr.address())
                .filter_map(clean_address)
                .collect()
        })
        .unwrap_or_default()
}

fn first_address(value: Option<&Address<'_>>) -> Option<String> {
    addresses(value).into_iter().next()
}

/// A lower-case address, or `None` when it is not one (`undisclosed-recipients`).
pub fn clean_address(raw: &str) -> Option<String> {
    let inner = match (raw.rfind('<'), raw.rfind('>')) {
        (Some(a), Some(b)) if a < b => &raw[a + 1..b],
        _ => raw,
    };
    let a = inner
        .trim()
        .trim_matches(|c| c == '"' || c == '\'')
        .to_lowercase();
    let (local, domain) = a.split_once('@')?;
    (!local.is_empty() && domain.contains('.') && !a.contains(char::is_whitespace)).then_some(a)
}

#[cfg(test)]
mod tests {
    use crate::features::email::parse::mbox::next_line;
    use crate::features::email::parse::*;
    use std::io::Cursor;

    pub const MBOX: &str = include_str!("../../../tests/fixtures/email/small.mbox");

    pub(super) fn read_all(
        bytes: &[u8],
        format: Format,
    ) -> Result<(Vec<MessageMeta>, ReadSummary), ReadError> {
        let mut out = Vec::new();
        let summary = read(
            Cursor::new(bytes.to_vec()),
            format,
            Limits {
                max_messages: 1000,
                deadline: None,
            },
            &mut |m| out.push(m),
        )?;
        Ok((out, summary))
    }

    #[test]
    fn detects_each_kind_and_refuses_others() {
        assert_eq!(
            detect("x.mbox", b"From a@b Mon Jan  1 00:00:00 2026\n"),
            Ok(Format::Mbox)
        );
        assert_eq!(
            detect("x.eml", b"Return-Path: <a@b.c>\r\n"),
            Ok(Format::Eml)
        );
        assert_eq!(detect("x.zip", b"PK\x03\x04rest"), Ok(Format::Zip));
        assert_eq!(detect("mail.csv", b"anything"), Ok(Format::Csv));
        assert_eq!(
            detect("export.txt", b"Date,From,To,Subject\n"),
            Ok(Format::Csv)
        );
        assert!(detect("x.mbox", b"").unwrap_err().0.contains("empty"));
        assert!(detect("photo.png", b"\x89PNG\r\n")
            .unwrap_err()
            .0
            .contains("none of these"));
        assert!(detect("x.zip", b"not a zip")
            .unwrap_err()
            .0
            .contains("cannot be opened"));
    }

    #[test]
    fn mbox_messages_keep_only_metadata_with_zones_and_threads() {
        let (messages, summary) = read_all(MBOX.as_bytes(), Format::Mbox).unwrap();
        // The fixture has 10 messages; one has no sender and is left out.
        assert_eq!(
            summary,
            ReadSummary {
                messages: 9,
                skipped: 1,
                left_out: vec![Skip {
                    which: "“No sender on this one”".into(),
                    why: "it has no readable sender (From)"
                }]
            }
        );
        let first = &messages[0];
        assert_eq!(first.from, "alice@example.com");
        assert_eq!(
            first.to,
            vec!["me@digame.test".to_owned(), "bob@partner.test".to_owned()]
        );
        assert_eq!(first.subject, "Budget review");
        assert_eq!(first.message_id.as_deref(), Some("m1@example.com"));
        // Mon, 2 Mar 2026 09:00:00 +0100 is 08:00 UTC.
        assert_eq!(first.timestamp, 1_772_438_400);
        assert_eq!(first.offset_minutes, Some(60));
        let reply = &messages[1];
        assert_eq!(reply.from, "me@digame.test");
        assert_eq!(reply.in_reply_to, vec!["m1@example.com".to_owned()]);
        assert_eq!(reply.references, vec!["m1@example.com".to_owned()]);
        // An encoded-word subject is decoded; a negative zone is kept.
        assert!(messages
            .iter()
            .any(|m| m.subject == "Café plans" && m.offset_minutes == Some(-300)));
    }

    #[test]
    fn an_mbox_message_without_a_date_is_dated_by_its_from_line() {
        let mbox = "From ana@example.com Mon Mar  2 08:00:00 2026\nFrom: ana@example.com\nSubject: Hi\n\nbody\n\
                    From bo@example.com Tue Mar  3 09:30:00 +0100 2026\nFrom: bo@example.com\nSubject: Re: Hi\n\nbody\n\
                    From cy@example.com\nFrom: cy@example.com\nSubject: Undated\n\nbody\n";
        let (messages, summary) = read_all(mbox.as_bytes(), Format::Mbox).unwrap();
        assert_eq!(messages.len(), 2);
        // Mon, 2 Mar 2026 08:00 UTC, with no zone of its own.
        assert_eq!(messages[0].timestamp, 1_772_438_400);
        assert_eq!(messages[0].offset_minutes, None);
        assert_eq!(messages[1].timestamp, 1_772_438_400 + 86_400 + 30 * 60);
        assert_eq!(
            summary.left_out,
            vec![Skip {
                which: "“Undated”".into(),
                why: "it has no readable date"
            }]
        );
    }

    #[test]
    fn a_truncated_mbox_reads_what_is_there() {
        let cut = &MBOX.as_bytes()[..MBOX.len() / 2];
        let (messages, _) = read_all(cut, Format::Mbox).unwrap();
        assert!(
            !messages.is_empty() && messages.len() < 9,
            "{}",
            messages.len()
        );
    }

    #[test]
    fn an_mbox_without_messages_or_dates_is_refused_clearly() {
        let err = read_all(b"From nobody\n\nno headers here\n", Format::Mbox).unwrap_err();
        assert!(
            err.0.contains("nothing to analyse") || err.0.contains("No messages"),
            "{}",
            err.0
        );
    }

    #[test]
    fn the_message_limit_is_enforced_with_a_clear_message() {
        let mut n = 0;
        let err = read(
            Cursor::new(MBOX.as_bytes().to_vec()),
            Format::Mbox,
            Limits {
                max_messages: 3,
                deadline: None,
            },
            &mut |_| n += 1,
        )
        .unwrap_err();
        assert_eq!(n, 3);
        assert!(err.0.contains("more than 3 messages"), "{}", err.0);
    }

    #[test]
    fn a_zip_of_eml_files_is_read_and_other_entries_ignored() {
        let mut bytes = Vec::new();
        {
            let mut zip = zip::ZipWriter::new(Cursor::new(&mut bytes));
            let opts: zip::write::SimpleFileOptions = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            for (i, part) in MBOX.split("\nFrom ").skip(1).take(3).enumerate() {
                // Each mbox part without its "From " line is an .eml file.
                let body = part.split_once('\n').unwrap().1;
                zip.start_file(format!("Inbox/{i}.eml"), opts).unwrap();
                std::io::Write::write_all(&mut zip, body.as_bytes()).unwrap();
            }
            zip.start_file("Inbox/readme.txt", opts).unwrap();
            std::io::Write::write_all(&mut zip, b"not mail").unwrap();
            zip.finish().unwrap();
        }
        let (messages, summary) = read_all(&bytes, Format::Zip).unwrap();
        assert_eq!(summary.messages, 3);
        assert_eq!(messages[0].from, "me@digame.test");
        let err = read_all(b"PK\x03\x04broken", Format::Zip).unwrap_err();
        assert!(err.0.contains("cannot be opened"), "{}", err.0);
    }

    /// A zip of `n` small .eml entries, stored.
    fn small_zip(n: usize) -> Vec<u8> {
        let mut bytes = Vec::new();
        {
            let mut zip = zip::ZipWriter::new(Cursor::new(&mut bytes));
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored);
            let body = MBOX
                .split("\nFrom ")
                .nth(1)
                .unwrap()
                .split_once('\n')
                .unwrap()
                .1;
            for i in 0..n {
                zip.start_file(format!("{i}.eml"), opts).unwrap();
                std::io::Write::write_all(&mut zip, body.as_bytes()).unwrap();
            }
            zip.finish().unwrap();
        }
        bytes
    }

    fn le32(b: &[u8], at: usize) -> usize {
        u32::from_le_bytes(b[at..at + 4].try_into().unwrap()) as usize
    }

    /// Security issue, finding 7: a zip whose central directory lists the same stored bytes
    /// many times over (unpacked again for each) is refused before anything is unpacked.
    #[test]
    fn a_zip_with_overlapping_entries_is_refused() {
        let zip = small_zip(1);
        let eocd = zip.len() - 22;
        let (cd_size, cd_start) = (le32(&zip, eocd + 12), le32(&zip, eocd + 16));
        let record = zip[cd_start..cd_start + cd_size].to_vec();
        // 1,000 directory records, each naming the one entry's bytes under its own name.
        let mut crafted = zip[..cd_start].to_vec();
        let copies = 1000usize;
        for i in 0..copies {
            let mut r = record.clone();
            let name_len = u16::from_le_bytes([r[28], r[29]]) as usize;
            let name = format!("{:0width$}", i, width = name_len);
            r[46..46 + name_len].copy_from_slice(&name.as_bytes()[..name_len]);
            crafted.extend_from_slice(&r);
        }
        let mut end = zip[eocd..].to_vec();
        end[8..10].copy_from_slice(&(copies as u16).to_le_bytes());
        end[10..12].copy_from_slice(&(copies as u16).to_le_bytes());
        end[12..16].copy_from_slice(&((record.len() * copies) as u32).to_le_bytes());
        crafted.extend_from_slice(&end);
        let err = read_all(&crafted, Format::Zip).unwrap_err();
        assert!(err.0.contains("overlap"), "{}", err.0);
        // The honest zip still reads.
        assert_eq!(read_all(&zip, Format::Zip).unwrap().1.messages, 1);
    }

    /// Security issue, finding 7: a zip announcing more entries, or a larger directory,
    /// than Digame reads is refused from its end record, before the directory is loaded.
    #[test]
    fn a_zip_announcing_too_many_entries_is_refused_before_loading() {
        let zip = small_zip(2);
        let eocd = zip.len() - 22;
        let mut huge = zip.clone();
        huge[eocd + 12..eocd + 16].copy_from_slice(&(200u32 * 1024 * 1024).to_le_bytes());
        let err = read_all(&huge, Format::Zip).unwrap_err();
        assert!(err.0.contains("more than"), "{}", err.0);
        assert_eq!(
            zip_directory(&mut Cursor::new(&zip)),
            Some((2, le32(&zip, eocd + 12) as u64))
        );
    }

    /// Security issue, finding 7: an mbox message is never held whole: a message of any
    /// size costs at most the header allowance, a line with no end costs no more, and a
    /// message over the per-message limit is refused with a clear error.
    #[test]
    fn an_mbox_message_is_never_held_whole() {
        let mut line = Vec::new();
        let long = vec![b'x'; 5_000_000];
        let mut reader = std::io::BufReader::new(Cursor::new(&long));
        assert_eq!(next_line(&mut reader, &mut line, 1000).unwrap(), 5_000_000);
        assert_eq!(line.len(), 1000, "only the allowance is kept");

        let mut mbox = MBOX.as_bytes().to_vec();
        mbox.extend_from_slice(b"From someone@x.test Mon Mar  2 09:00:00 2026\nFrom: a@x.test\nDate: Mon, 2 Mar 2026 09:00:00 +0000\n\n");
        let big = MESSAGE_BYTES_MAX as usize + 10;
        mbox.extend(std::iter::repeat_n(b'y', big));
        let err = read_all(&mbox, Format::Mbox).unwrap_err();
        assert!(err.0.contains("larger than 64 MB"), "{}", err.0);
    }

    #[test]
    fn reading_stops_at_the_deadline() {
        let err = read(
            Cursor::new(MBOX.as_bytes().to_vec()),
            Format::Mbox,
            Limits {
                max_messages: 1000,
                deadline: Some(std::time::Instant::now() - std::time::Duration::from_secs(1)),
            },
            &mut |_| {},
        )
        .unwrap_err();
        assert!(err.0.contains("took too long"), "{}", err.0);
    }

    #[test]
    fn addresses_are_cleaned_or_dropped() {
        assert_eq!(
            clean_address("Alice <Alice@Example.COM>").as_deref(),
            Some("alice@example.com")
        );
        assert_eq!(clean_address(" bob@x.test ").as_deref(), Some("bob@x.test"));
        assert_eq!(clean_address("undisclosed-recipients"), None);
        assert_eq!(clean_address("a@localhost"), None);
    }
}
