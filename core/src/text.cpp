#include "parley/text.hpp"

#include "parley/utf8.hpp"

namespace parley {

std::string_view language_code(language lang) {
    return lang == language::zh ? "zh" : "en";
}

bool language_from_code(std::string_view code, language& out) {
    // Accept region-qualified codes as browsers send them ("zh-CN", "en-US").
    auto base = code.substr(0, code.find_first_of("-_"));
    if (base == "en" || base == "EN") return out = language::en, true;
    if (base == "zh" || base == "ZH") return out = language::zh, true;
    return false;
}

char32_t fold_case(char32_t c) {
    if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;  // Latin-1, except ×
    if (c >= 0x100 && c <= 0x17F) {                          // Latin Extended-A pairs
        if (c == 0x130) return 'i';
        if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
            return (c % 2 == 1) ? c + 1 : c;
        if (c == 0x178) return 0xFF;
        if (c >= 0x149 && c <= 0x177) return (c % 2 == 0) ? c + 1 : c;
        if (c < 0x138) return (c % 2 == 0) ? c + 1 : c;
        return c;
    }
    if (c >= 0x391 && c <= 0x3AB && c != 0x3A2) return c + 32;  // Greek capitals
    if (c == 0x3C2) return 0x3C3;                               // final sigma
    if (c >= 0x410 && c <= 0x42F) return c + 32;                // Cyrillic А-Я
    if (c >= 0x400 && c <= 0x40F) return c + 80;                // Cyrillic Ѐ-Џ
    if (c >= 0xFF21 && c <= 0xFF3A) return c + 32;              // full-width A-Z
    return c;
}

char32_t to_half_width(char32_t c) {
    if (c >= 0xFF01 && c <= 0xFF5E) return c - 0xFEE0;
    if (c == 0x3000) return ' ';
    return c;
}

namespace {

bool is_zero_width(char32_t c) {
    return c == 0x200B || c == 0x200C || c == 0x200D || c == 0x2060 || c == 0xFEFF || c == 0x00AD ||
           (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) ||
           (c >= 0xFE00 && c <= 0xFE0F);  // variation selectors
}

bool is_space(char32_t c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == 0x85 ||
           c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
           c == 0x202F || c == 0x205F || c == 0x3000;
}

// CJK punctuation without a full-width ASCII twin.
char32_t map_cjk_punct(char32_t c) {
    switch (c) {
        case 0x3001:
            return ',';  // 、
        case 0x3002:
            return '.';  // 。
        case 0x300C:
        case 0x300E:
        case 0x201C:
        case 0x2018:
            return '"';
        case 0x300D:
        case 0x300F:
        case 0x201D:
            return '"';
        case 0x2019:
            return '\'';  // typographic apostrophe, as in "don’t"
        case 0x2014:
        case 0x2013:
            return '-';
        case 0x2026:
            return '.';  // …
        default:
            return c;
    }
}

}  // namespace

std::string normalize(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    bool pending_space = false;
    for (std::size_t i = 0; i < raw.size();) {
        char32_t c = utf8::next(raw, i);
        if (is_space(c)) {
            pending_space = !out.empty();
            continue;
        }
        if (c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0) || is_zero_width(c)) continue;
        c = map_cjk_punct(fold_case(to_half_width(c)));
        if (c == 0xDF) {  // ß folds to "ss" (full case folding)
            if (pending_space) out.push_back(' '), pending_space = false;
            out += "ss";
            continue;
        }
        if (pending_space) out.push_back(' '), pending_space = false;
        utf8::append(out, c);
    }
    return out;
}

std::string command_form(std::string_view normalized) {
    std::string out;
    bool space = false;
    for (std::size_t i = 0; i < normalized.size();) {
        const std::size_t start = i;
        const char32_t c = utf8::next(normalized, i);
        const script s = script_of(c);
        if (s == script::latin || s == script::digit || s == script::han || c == '\'') {
            if (space && !out.empty()) out.push_back(' ');
            space = false;
            out.append(normalized.substr(start, i - start));
        } else {
            space = true;
        }
    }
    return out;
}

double upper_case_ratio(std::string_view raw) {
    std::size_t upper = 0, cased = 0;
    for (std::size_t i = 0; i < raw.size();) {
        const char32_t c = utf8::next(raw, i);
        const char32_t folded = fold_case(c);
        if (folded != c)
            ++upper, ++cased;
        else if (c >= 'a' && c <= 'z')
            ++cased;
        else if (c >= 0xE0 && c <= 0x24F)
            ++cased;
    }
    return cased == 0 ? 0.0 : static_cast<double>(upper) / static_cast<double>(cased);
}

bool is_cjk(char32_t c) {
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x2FA1F);
}

script script_of(char32_t c) {
    if (c >= '0' && c <= '9') return script::digit;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return script::latin;
    if (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7) return script::latin;
    if ((c >= 0x370 && c <= 0x3FF) || (c >= 0x400 && c <= 0x4FF))
        return script::latin;  // cased alphabets: word-tokenized like Latin
    if (is_cjk(c)) return script::han;
    if (c >= 0x3040 && c <= 0x30FF) return script::kana;
    if (c >= 0xAC00 && c <= 0xD7AF) return script::hangul;
    if ((c >= 0x1F300 && c <= 0x1FAFF) || (c >= 0x2600 && c <= 0x27BF) ||
        (c >= 0x1F000 && c <= 0x1F2FF))
        return script::emoji;
    return script::other;
}

language detect_language(std::string_view text, language fallback) {
    std::size_t han = 0, latin = 0;
    for (std::size_t i = 0; i < text.size();) {
        switch (script_of(utf8::next(text, i))) {
            case script::han:
                ++han;
                break;
            case script::latin:
                ++latin;
                break;
            default:
                break;
        }
    }
    if (han == 0 && latin == 0) return fallback;
    // One Han character carries about a word's meaning; an English word is
    // about five letters. "订单 1001 status?" is Chinese-led, "my 订单" is not.
    return han * 4 >= latin ? language::zh : language::en;
}

}  // namespace parley
