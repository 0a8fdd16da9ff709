//! mbox files: message by message, only each message's start kept, and a message without a
//! `Date` header dated by its `From ` line.

use super::{fail, headers, MessageMeta, ReadError, Skip, HEADER_BYTES_MAX, MESSAGE_BYTES_MAX};
use std::io::{BufRead, BufReader, Read};

/// One line of `reader` into `line`, keeping at most `cap` bytes of it (the rest of a long
/// line is read and dropped); the bytes the line had, 0 at the end of the file.
pub(super) fn next_line(
    reader: &mut impl BufRead,
    line: &mut Vec<u8>,
    cap: usize,
) -> std::io::Result<u64> {
    line.clear();
    let mut read = 0u64;
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok(read);
        }
        let (len, done) = match buf.iter().position(|b| *b == b'\n') {
            Some(i) => (i + 1, true),
            None => (buf.len(), false),
        };
        let room = cap.saturating_sub(line.len());
        line.extend_from_slice(&buf[..len.min(room)]);
        reader.consume(len);
        read += len as u64;
        if done {
            return Ok(read);
        }
    }
}

/// An mbox, message by message: a line starting with `From ` begins the next one. Only the
/// start of each message is kept (the headers come first), so neither a long message nor
/// a long line costs memory; a message over [`MESSAGE_BYTES_MAX`] is refused. A message
/// without a `Date` header is dated by its `From ` line.
pub(super) fn read_mbox<R: Read>(
    file: R,
    take: &mut dyn FnMut(Result<MessageMeta, Skip>) -> Result<(), ReadError>,
) -> Result<(), ReadError> {
    let mut reader = BufReader::with_capacity(256 * 1024, file);
    let (mut line, mut head) = (Vec::new(), Vec::new());
    let mut message_bytes: Option<u64> = None;
    let mut envelope: Option<i64> = None;
    let cap = HEADER_BYTES_MAX as usize;
    loop {
        let n = next_line(&mut reader, &mut line, cap)
            .map_err(|_| ReadError("The file could not be read to the end.".into()))?;
        if n == 0 || line.starts_with(b"From ") {
            if message_bytes.is_some() {
                take(headers(&head, envelope))?;
            }
            if n == 0 {
                return Ok(());
            }
            envelope = envelope_date(&line);
            head.clear();
            message_bytes = Some(0);
            continue;
        }
        let Some(bytes) = message_bytes.as_mut() else {
            continue;
        };
        *bytes += n;
        if *bytes > MESSAGE_BYTES_MAX {
            return fail(format!(
                "A message in the file is larger than {} MB, the most Digame reads in one message. Export without attachments, or a shorter period, and try again.",
                MESSAGE_BYTES_MAX / (1024 * 1024)
            ));
        }
        let room = cap.saturating_sub(head.len());
        head.extend_from_slice(&line[..line.len().min(room)]);
    }
}

/// The moment an mbox `From ` line gives (`From sender Mon Mar  2 08:00:00 2026`, in UTC
/// by custom), as seconds since the epoch.
fn envelope_date(line: &[u8]) -> Option<i64> {
    let line = std::str::from_utf8(line).ok()?;
    let mut words = line.strip_prefix("From ")?.split_whitespace();
    words.next()?;
    let rest = words.collect::<Vec<_>>().join(" ");
    chrono::DateTime::parse_from_str(&rest, "%a %b %d %H:%M:%S %z %Y")
        .map(|t| t.timestamp())
        .or_else(|_| {
            chrono::NaiveDateTime::parse_from_str(&rest, "%a %b %d %H:%M:%S %Y")
                .map(|t| t.and_utc().timestamp())
        })
        .ok()
}
