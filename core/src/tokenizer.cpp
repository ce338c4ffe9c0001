#include "parley/tokenizer.hpp"

#include <algorithm>
#include <array>

#include "parley/text.hpp"
#include "parley/utf8.hpp"

namespace parley {

namespace {

bool is_vowel(char c) {
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

bool has_vowel(std::string_view s) {
    return std::any_of(s.begin(), s.end(), [](char c) { return is_vowel(c) || c == 'y'; });
}

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Function words that carry no topic. Kept short on purpose: "how", "where",
// "when", "not" and "can" distinguish FAQs ("can I pay" vs "how do I pay").
constexpr std::array<std::string_view, 22> stopwords = {
    "a",  "an",  "the", "is", "are", "am", "be",   "of",     "to",  "in", "on",
    "at", "for", "and", "or", "it",  "do", "does", "please", "pls", "hi", "hello"};

}  // namespace

bool is_english_stopword(std::string_view word) {
    return std::find(stopwords.begin(), stopwords.end(), word) != stopwords.end();
}

std::string stem_english(std::string_view word) {
    std::string w(word);
    if (w.size() <= 3) return w;
    auto cut = [&](std::size_t n) { w.resize(w.size() - n); };
    // Plurals and third person.
    if (ends_with(w, "sses"))
        cut(2);
    else if (ends_with(w, "ies") && w.size() > 4)
        cut(3), w += 'y';
    else if (ends_with(w, "s") && !ends_with(w, "ss") && !ends_with(w, "us") && !ends_with(w, "is"))
        cut(1);
    // Verb forms; the stem must keep a vowel and three letters ("used" stays).
    bool verb_cut = false;
    if (ends_with(w, "ing") && w.size() >= 6 &&
        has_vowel(std::string_view(w).substr(0, w.size() - 3)))
        cut(3), verb_cut = true;
    else if (ends_with(w, "ed") && w.size() >= 5 && !ends_with(w, "eed") &&
             has_vowel(std::string_view(w).substr(0, w.size() - 2)))
        cut(2), verb_cut = true;
    else if (ends_with(w, "ly") && w.size() >= 6)
        cut(2);
    if (verb_cut) {
        // shipp -> ship, but keep "ll", "ss", "zz" (install, pass, buzz).
        const std::size_t n = w.size();
        if (n >= 2 && w[n - 1] == w[n - 2] && !is_vowel(w[n - 1]) && w[n - 1] != 'l' &&
            w[n - 1] != 's' && w[n - 1] != 'z')
            cut(1);
        else if (ends_with(w, "i") && w.size() > 3)
            w.back() = 'y';  // carried -> carri -> carry
    }
    // Silent e, so "charge", "charged" and "charging" meet at "charg".
    if (w.size() >= 5 && w.back() == 'e' && !ends_with(w, "ee")) cut(1);
    return w;
}

std::vector<std::string> tokenize(std::string_view text, const tokenizer_options& options) {
    std::vector<std::string> tokens;
    std::string word;
    std::vector<std::string> han_run;  // characters of the current Han run

    auto flush_word = [&] {
        if (word.empty()) return;
        std::string w;
        w.reserve(word.size());
        for (char c : word)
            if (c != '\'') w.push_back(c);
        // "what's" -> "what" + "s": drop the clitic rather than keep "whats".
        if (word.size() > 2 && ends_with(word, "'s")) w.resize(w.size() - 1);
        word.clear();
        if (w.empty()) return;
        const bool ascii_alpha =
            std::all_of(w.begin(), w.end(), [](char c) { return c >= 'a' && c <= 'z'; });
        if (ascii_alpha && options.drop_stopwords && is_english_stopword(w)) return;
        tokens.push_back(ascii_alpha && options.stem ? stem_english(w) : std::move(w));
    };
    auto flush_han = [&] {
        if (han_run.empty()) return;
        if (options.cjk_unigrams || han_run.size() == 1)
            for (const auto& ch : han_run) tokens.push_back(ch);
        if (options.cjk_bigrams)
            for (std::size_t k = 0; k + 1 < han_run.size(); ++k)
                tokens.push_back(han_run[k] + han_run[k + 1]);
        han_run.clear();
    };

    for (std::size_t i = 0; i < text.size();) {
        const std::size_t start = i;
        const char32_t c = utf8::next(text, i);
        const script s = script_of(c);
        if (s == script::latin || s == script::digit ||
            (c == '\'' && !word.empty() && i < text.size() &&
             script_of(static_cast<unsigned char>(text[i])) == script::latin)) {
            flush_han();
            word.append(text.substr(start, i - start));
            continue;
        }
        flush_word();
        if (s == script::han) {
            han_run.emplace_back(text.substr(start, i - start));
            continue;
        }
        flush_han();
        if (c == '[') {
            // A PII placeholder such as "[order]" is one token.
            const auto close = text.find(']', i);
            if (close != std::string_view::npos && close - i <= 12 && close > i) {
                const auto name = text.substr(i, close - i);
                if (std::all_of(name.begin(), name.end(),
                                [](char ch) { return (ch >= 'a' && ch <= 'z') || ch == '_'; })) {
                    tokens.push_back("#" + std::string(name));
                    i = close + 1;
                    continue;
                }
            }
        }
        if (s == script::kana || s == script::hangul || s == script::emoji)
            tokens.emplace_back(text.substr(start, i - start));
    }
    flush_word();
    flush_han();
    return tokens;
}

}  // namespace parley
