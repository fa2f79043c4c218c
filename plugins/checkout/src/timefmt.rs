//! Formatting for log lines: commit times and byte sizes.

/// `1700000000` with offset `+0130` → `2023-11-14 23:43:20 +0130`: the
/// author's local time as `git log --date=iso` shows it.
pub fn format_git_time(seconds: i64, offset: &str) -> String {
    let offset_seconds = parse_offset(offset).unwrap_or(0);
    let local = seconds.saturating_add(offset_seconds);
    let days = local.div_euclid(86_400);
    let of_day = local.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} {offset}",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

/// `+0130` → 5400 seconds.
fn parse_offset(offset: &str) -> Option<i64> {
    let sign = match offset.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    // The offset comes from the commit: anything but 4 ASCII digits is
    // ignored rather than sliced.
    let digits = offset
        .get(1..5)
        .filter(|digits| digits.bytes().all(|b| b.is_ascii_digit()))?;
    let hours: i64 = digits[..2].parse().ok()?;
    let minutes: i64 = digits[2..].parse().ok()?;
    Some(sign * (hours * 3600 + minutes * 60))
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian
/// calendar (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `1234567` → `1.2 MiB`.
pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_times_in_the_author_zone() {
        assert_eq!(format_git_time(0, "+0000"), "1970-01-01 00:00:00 +0000");
        assert_eq!(
            format_git_time(1_700_000_000, "+0130"),
            "2023-11-14 23:43:20 +0130"
        );
        assert_eq!(
            format_git_time(1_700_000_000, "-0800"),
            "2023-11-14 14:13:20 -0800"
        );
        assert_eq!(
            format_git_time(951_782_400, "+0000"),
            "2000-02-29 00:00:00 +0000"
        );
        assert_eq!(format_git_time(-1, "+0000"), "1969-12-31 23:59:59 +0000");
        // Hostile commits must not panic.
        assert!(format_git_time(0, "+aéb").starts_with("1970-01-01 00:00:00"));
        let _ = format_git_time(i64::MAX, "+1400");
        let _ = format_git_time(i64::MIN, "-1400");
    }

    #[test]
    fn formats_sizes() {
        assert_eq!(format_bytes(0), "0 B");
        assert_eq!(format_bytes(1023), "1023 B");
        assert_eq!(format_bytes(1536), "1.5 KiB");
        assert_eq!(format_bytes(1_258_291), "1.2 MiB");
    }
}
