#pragma once
// Text normalization and language detection. Everything downstream (PII
// masking, tokenizing, lexicons) sees text in one canonical form, so the same
// question typed on a phone in full-width characters, with odd spacing or in
// capitals, matches the FAQ the merchant wrote.
#include <string>
#include <string_view>

namespace parley {

enum class language { en, zh };

std::string_view language_code(language lang);  // "en" | "zh"
bool language_from_code(std::string_view code, language& out);

// Case folding for Latin (incl. Latin-1 and Extended-A), Greek and Cyrillic.
char32_t fold_case(char32_t cp);
// Full-width ASCII (U+FF01..U+FF5E) and the ideographic space to ASCII.
char32_t to_half_width(char32_t cp);

// Canonical form: invalid UTF-8 replaced, control and zero-width characters
// dropped (tabs and newlines become spaces), full-width to half-width, case
// folded, CJK punctuation mapped to ASCII, whitespace collapsed and trimmed.
std::string normalize(std::string_view raw);

// Letters, digits and CJK only, single-spaced: "Hi!!  there :)" -> "hi there".
// For matching short commands and small talk against fixed phrase lists.
// `normalized` comes from normalize().
std::string command_form(std::string_view normalized);

// Share of upper-case letters among the cased letters of raw text (shouting).
double upper_case_ratio(std::string_view raw);

enum class script { other, latin, digit, han, kana, hangul, emoji };
script script_of(char32_t cp);
bool is_cjk(char32_t cp);  // Han ideographs (incl. extension A and compatibility)

// Picks EN or ZH by counting scripts; text with neither (digits, emoji only)
// returns `fallback`, usually the session's or the shop's language.
language detect_language(std::string_view text, language fallback);

}  // namespace parley
