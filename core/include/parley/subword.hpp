#pragma once
// Subword tokenizer of the student encoder: SentencePiece's unigram model
// (Viterbi segmentation maximizing the sum of piece log-probabilities) over a
// vocabulary pruned from the teacher's. It lives in the core so that the
// browser, the server and the training scripts (through `parley tokenize`)
// produce identical ids from one implementation.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace parley {

class subword_tokenizer {
  public:
    subword_tokenizer() = default;
    // The piece lookup holds views into pieces_: a copy rebuilds it (moves
    // keep the strings' storage, so the defaults are right for them).
    subword_tokenizer(const subword_tokenizer& other);
    subword_tokenizer& operator=(const subword_tokenizer& other);
    subword_tokenizer(subword_tokenizer&&) noexcept = default;
    subword_tokenizer& operator=(subword_tokenizer&&) noexcept = default;

    // Vocabulary text: one piece per line, "piece<TAB>log-probability"; the
    // line number is the id. The specials "<s>", "<pad>", "</s>" and "<unk>"
    // must be present. Throws std::invalid_argument naming the bad line.
    static subword_tokenizer from_vocab(std::string_view text);

    // Pieces of normalized text (text.hpp's normalize): every space-separated
    // word becomes "▁word", segmented by Viterbi; a character no piece covers
    // becomes "<unk>".
    std::vector<std::int32_t> piece_ids(std::string_view normalized) const;
    // "<s>" + piece_ids + "</s>", cut to at most max_ids (>= 2) keeping "</s>".
    std::vector<std::int32_t> encode(std::string_view normalized, std::size_t max_ids) const;

    std::size_t size() const { return pieces_.size(); }
    const std::string& piece(std::int32_t id) const {
        return pieces_.at(static_cast<std::size_t>(id));
    }
    float score(std::int32_t id) const { return scores_.at(static_cast<std::size_t>(id)); }
    std::int32_t bos_id() const { return bos_; }
    std::int32_t eos_id() const { return eos_; }
    std::int32_t pad_id() const { return pad_; }
    std::int32_t unk_id() const { return unk_; }

  private:
    void segment_word(std::string_view word, std::vector<std::int32_t>& out) const;
    void index_pieces();

    std::vector<std::string> pieces_;
    std::vector<float> scores_;
    std::unordered_map<std::string_view, std::int32_t> ids_;  // views into pieces_
    std::size_t max_piece_chars_ = 1;
    float unk_score_ = -100.0f;
    std::int32_t bos_ = -1, eos_ = -1, pad_ = -1, unk_ = -1;
};

}  // namespace parley
