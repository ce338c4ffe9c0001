#include "parley/subword.hpp"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <stdexcept>

#include "parley/utf8.hpp"

namespace parley {

namespace {

constexpr std::string_view word_marker = "\xE2\x96\x81";  // U+2581, SentencePiece's "▁"

float parse_score(std::string_view text, std::size_t line) {
    // std::from_chars for float is not in every libc++ the wasm build uses;
    // strtof on a bounded copy is portable.
    const std::string copy(text);
    char* end = nullptr;
    const float value = std::strtof(copy.c_str(), &end);
    if (copy.empty() || end != copy.c_str() + copy.size() || !(value == value))
        throw std::invalid_argument("subword vocabulary line " + std::to_string(line) +
                                    ": expected a number after the tab");
    return value;
}

}  // namespace

subword_tokenizer subword_tokenizer::from_vocab(std::string_view text) {
    subword_tokenizer t;
    std::size_t line_number = 0;
    float min_score = 0.0f;
    while (!text.empty()) {
        const std::size_t newline = text.find('\n');
        std::string_view line = text.substr(0, newline);
        text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
        ++line_number;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty() && text.empty()) break;
        const std::size_t tab = line.rfind('\t');
        if (tab == std::string_view::npos || tab == 0)
            throw std::invalid_argument("subword vocabulary line " + std::to_string(line_number) +
                                        ": expected \"piece<TAB>score\"");
        const std::string_view piece = line.substr(0, tab);
        if (!utf8::is_valid(piece))
            throw std::invalid_argument("subword vocabulary line " + std::to_string(line_number) +
                                        ": piece is not valid UTF-8");
        t.pieces_.emplace_back(piece);
        t.scores_.push_back(parse_score(line.substr(tab + 1), line_number));
        min_score = std::min(min_score, t.scores_.back());
    }
    if (t.pieces_.size() > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
        throw std::invalid_argument("subword vocabulary is too large");
    t.index_pieces();
    auto special = [&](std::string_view name) {
        const auto it = t.ids_.find(name);
        if (it == t.ids_.end())
            throw std::invalid_argument("subword vocabulary: missing special piece " +
                                        std::string(name));
        return it->second;
    };
    t.bos_ = special("<s>");
    t.eos_ = special("</s>");
    t.pad_ = special("<pad>");
    t.unk_ = special("<unk>");
    // As SentencePiece: an unknown character costs more than any real piece,
    // so Viterbi only uses <unk> where nothing else covers the character.
    t.unk_score_ = min_score - 10.0f;
    return t;
}

subword_tokenizer::subword_tokenizer(const subword_tokenizer& other)
    : pieces_(other.pieces_),
      scores_(other.scores_),
      max_piece_chars_(other.max_piece_chars_),
      unk_score_(other.unk_score_),
      bos_(other.bos_),
      eos_(other.eos_),
      pad_(other.pad_),
      unk_(other.unk_) {
    index_pieces();
}

subword_tokenizer& subword_tokenizer::operator=(const subword_tokenizer& other) {
    if (this != &other) *this = subword_tokenizer(other);
    return *this;
}

void subword_tokenizer::index_pieces() {
    ids_.clear();
    ids_.reserve(pieces_.size());
    for (std::size_t i = 0; i < pieces_.size(); ++i) {
        const std::string& p = pieces_[i];
        // Ids are line numbers; a duplicate keeps its first id (as SentencePiece).
        ids_.emplace(std::string_view(p), static_cast<std::int32_t>(i));
        max_piece_chars_ = std::max(max_piece_chars_, utf8::length(p));
    }
}

void subword_tokenizer::segment_word(std::string_view word, std::vector<std::int32_t>& out) const {
    // Character boundaries (byte offsets) of the word.
    std::vector<std::size_t> bounds;
    bounds.reserve(word.size() + 1);
    for (std::size_t i = 0; i < word.size();) {
        bounds.push_back(i);
        utf8::next(word, i);
    }
    bounds.push_back(word.size());
    const std::size_t n = bounds.size() - 1;
    constexpr float unreachable = -std::numeric_limits<float>::infinity();
    std::vector<float> best(n + 1, unreachable);
    std::vector<std::int32_t> best_id(n + 1, -1);
    std::vector<std::size_t> best_from(n + 1, 0);
    best[0] = 0.0f;
    for (std::size_t start = 0; start < n; ++start) {
        if (best[start] == unreachable) continue;
        const std::size_t last = std::min(n, start + max_piece_chars_);
        bool covered = false;
        for (std::size_t end = start + 1; end <= last; ++end) {
            const std::string_view piece = word.substr(bounds[start], bounds[end] - bounds[start]);
            const auto it = ids_.find(piece);
            if (it == ids_.end()) continue;
            if (end == start + 1) covered = true;
            const float score = best[start] + scores_[static_cast<std::size_t>(it->second)];
            if (score > best[end]) {
                best[end] = score;
                best_id[end] = it->second;
                best_from[end] = start;
            }
        }
        if (!covered) {
            const float score = best[start] + unk_score_;
            if (score > best[start + 1]) {
                best[start + 1] = score;
                best_id[start + 1] = unk_;
                best_from[start + 1] = start;
            }
        }
    }
    const std::size_t first = out.size();
    for (std::size_t at = n; at > 0; at = best_from[at]) out.push_back(best_id[at]);
    std::reverse(out.begin() + static_cast<std::ptrdiff_t>(first), out.end());
}

std::vector<std::int32_t> subword_tokenizer::piece_ids(std::string_view normalized) const {
    std::vector<std::int32_t> out;
    if (pieces_.empty()) return out;
    std::string word;
    std::size_t i = 0;
    while (i < normalized.size()) {
        while (i < normalized.size() && normalized[i] == ' ') ++i;
        const std::size_t start = i;
        while (i < normalized.size() && normalized[i] != ' ') ++i;
        if (i == start) break;
        word.assign(word_marker);
        word.append(normalized.substr(start, i - start));
        segment_word(word, out);
    }
    return out;
}

std::vector<std::int32_t> subword_tokenizer::encode(std::string_view normalized,
                                                    std::size_t max_ids) const {
    if (pieces_.empty()) throw std::logic_error("subword_tokenizer: no vocabulary loaded");
    if (max_ids < 2) throw std::invalid_argument("subword_tokenizer: max_ids must be at least 2");
    std::vector<std::int32_t> ids{bos_};
    const auto pieces = piece_ids(normalized);
    const std::size_t keep = std::min(pieces.size(), max_ids - 2);
    ids.insert(ids.end(), pieces.begin(), pieces.begin() + static_cast<std::ptrdiff_t>(keep));
    ids.push_back(eos_);
    return ids;
}

}  // namespace parley
