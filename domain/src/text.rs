//! Text that people read as names: characters that change how it looks without being seen.
//!
//! Bidirectional controls reorder what follows them (`Acme \u{202E}gnp.exe` reads "Acme
//! exe.png"), zero-width and other invisible format characters make two different strings
//! look the same and survive trimming. Names, ids, labels and the other texts the portal
//! keeps refuse them; what is kept is NFC-normalised on the server so one spelling is one
//! string.

/// The first invisible or direction-changing character of `s`, if any.
pub fn invisible_char(s: &str) -> Option<char> {
    s.chars().find(|c| is_invisible(*c))
}

fn is_invisible(c: char) -> bool {
    matches!(
        c,
        // Bidirectional embeddings, overrides, isolates and marks.
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
        // Zero-width space, joiners, word joiner, invisible operators, byte-order mark.
        | '\u{200B}'..='\u{200D}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}'
        // Soft hyphen, combining grapheme joiner, Mongolian vowel separator, deprecated
        // format characters, interlinear annotation, tags.
        | '\u{00AD}' | '\u{034F}' | '\u{180E}' | '\u{206A}'..='\u{206F}'
        | '\u{FFF9}'..='\u{FFFB}' | '\u{E0000}'..='\u{E007F}'
    )
}

/// A message naming the character, for the field `label`.
pub fn invisible_message(label: &str, c: char) -> String {
    let name = match c {
        '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}'
        | '\u{200E}'
        | '\u{200F}'
        | '\u{061C}' => "a text-direction control",
        '\u{200B}' => "a zero-width space",
        '\u{200C}' | '\u{200D}' | '\u{2060}' => "a zero-width joiner",
        '\u{FEFF}' => "a byte-order mark",
        '\u{00AD}' => "a soft hyphen",
        _ => "an invisible character",
    };
    format!(
        "{label} contains {name} (U+{:04X}), which changes how the text looks without being seen; remove it.",
        u32::from(c)
    )
}

/// Refuse `v` (the field `field`, called `label` in messages) if it holds an invisible or
/// direction-changing character: the one check every text rule of the domain makes.
pub fn refuse_invisible(field: &str, label: &str, v: &str) -> crate::AppResult<()> {
    match invisible_char(v) {
        Some(c) => Err(crate::AppError::validation(
            field,
            "PMS_TEXT_INVISIBLE",
            invisible_message(label, c),
        )),
        None => Ok(()),
    }
}

/// `s` in Unicode normalisation form C (on the server; the browser shows what it has).
pub fn nfc(s: &str) -> String {
    #[cfg(feature = "server")]
    {
        use unicode_normalization::UnicodeNormalization;
        s.nfc().collect()
    }
    #[cfg(not(feature = "server"))]
    {
        s.to_string()
    }
}

/// The first `n` characters of `s`, with "…" when cut (echoing a caller's text in a message).
pub fn clip(s: &str, n: usize) -> String {
    let mut out: String = s.chars().take(n).collect();
    if s.chars().nth(n).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_direction_controls_and_zero_width_characters() {
        assert_eq!(
            invisible_char("Acme \u{202E}gnp.exe\u{202C} Ltd"),
            Some('\u{202E}')
        );
        assert_eq!(invisible_char("Acme Ltd\u{200B}"), Some('\u{200B}'));
        assert_eq!(invisible_char("Société Générale — مصرف"), None);
        assert!(invisible_message("Name", '\u{200B}').contains("U+200B"));
    }

    #[cfg(feature = "server")]
    #[test]
    fn normalises_to_nfc() {
        assert_eq!(nfc("Socie\u{301}te\u{301}"), "Société");
    }
}
