#include "parley/subword.hpp"

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include "parley/text.hpp"
#include "test_support.hpp"

using namespace parley;

namespace {

// A tiny vocabulary in the shipped format: specials first, then pieces with
// SentencePiece log-probabilities (higher = more likely).
const char* tiny_vocab =
    "<s>\t0\n<pad>\t0\n</s>\t0\n<unk>\t0\n"
    "\xE2\x96\x81\t-3\n"              // ▁
    "\xE2\x96\x81where\t-5\n"         // ▁where
    "\xE2\x96\x81order\t-6\n"         // ▁order
    "\xE2\x96\x81or\t-4\n"            // ▁or
    "der\t-5\n"                       //
    "s\t-2\n"                         //
    "\xE5\xBF\xAB\xE9\x80\x92\t-7\n"  // 快递
    "\xE5\xBF\xAB\t-6\n"              // 快
    "\xE9\x80\x92\t-6\n";             // 递

std::string joined(const subword_tokenizer& t, const std::vector<std::int32_t>& ids) {
    std::string out;
    for (const auto id : ids) {
        if (!out.empty()) out += '|';
        out += t.piece(id);
    }
    return out;
}

}  // namespace

TEST_CASE("subword: Viterbi picks the most probable segmentation") {
    const auto t = subword_tokenizer::from_vocab(tiny_vocab);
    CHECK(t.size() == 13);
    CHECK(t.bos_id() == 0);
    CHECK(t.pad_id() == 1);
    CHECK(t.eos_id() == 2);
    CHECK(t.unk_id() == 3);
    // "▁order" (-6) beats "▁or" + "der" (-9).
    CHECK(joined(t, t.piece_ids("where orders")) == "\xE2\x96\x81where|\xE2\x96\x81order|s");
    // 快递 as one piece (-7) beats 快 + 递 (-12).
    CHECK(joined(t, t.piece_ids("\xE5\xBF\xAB\xE9\x80\x92")) ==
          "\xE2\x96\x81|\xE5\xBF\xAB\xE9\x80\x92");
}

TEST_CASE("subword: characters no piece covers become <unk>, never lost or crashing") {
    const auto t = subword_tokenizer::from_vocab(tiny_vocab);
    const auto ids = t.piece_ids("where xyz");
    CHECK(joined(t, ids) == "\xE2\x96\x81where|\xE2\x96\x81|<unk>|<unk>|<unk>");
    // Hostile input: invalid UTF-8 and empty strings are fine.
    CHECK(t.piece_ids("").empty());
    CHECK(t.piece_ids("   ").empty());
    CHECK_FALSE(t.piece_ids(normalize("\xFF\xFE order")).empty());
}

TEST_CASE("subword: encode adds <s> and </s> and cuts keeping </s>") {
    const auto t = subword_tokenizer::from_vocab(tiny_vocab);
    const auto ids = t.encode("where orders", 128);
    REQUIRE(ids.size() == 5);
    CHECK(ids.front() == t.bos_id());
    CHECK(ids.back() == t.eos_id());
    const auto cut = t.encode("where orders where orders", 4);
    REQUIRE(cut.size() == 4);
    CHECK(cut.front() == t.bos_id());
    CHECK(cut.back() == t.eos_id());
    CHECK(t.encode("", 2).size() == 2);
    CHECK_THROWS_AS(t.encode("x", 1), std::invalid_argument);
}

TEST_CASE("subword: a bad vocabulary is refused with the line") {
    CHECK_THROWS_WITH_AS(subword_tokenizer::from_vocab("<s>\t0\nbroken line\n"),
                         doctest::Contains("line 2"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(subword_tokenizer::from_vocab("<s>\t0\nx\tnot-a-number\n"),
                         doctest::Contains("line 2"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(subword_tokenizer::from_vocab("<s>\t0\n</s>\t0\n<unk>\t0\n"),
                         doctest::Contains("<pad>"), std::invalid_argument);
}

TEST_CASE("subword: the shipped vocabulary loads and covers shop questions in EN and ZH") {
    const auto t = subword_tokenizer::from_vocab(
        test::read_text_file(std::string(PARLEY_SOURCE_DIR) + "/models/student.vocab"));
    CHECK(t.size() >= 8000);
    for (const char* text :
         {"where is my order", "can i return these shoes",
          "\xE6\x88\x91\xE7\x9A\x84\xE5\xBF\xAB\xE9\x80\x92\xE5\x88\xB0\xE5\x93\xAA\xE4\xBA\x86"}) {
        const auto ids = t.piece_ids(normalize(text));
        CHECK_FALSE(ids.empty());
        for (const auto id : ids) CHECK(id != t.unk_id());
    }
}

TEST_CASE("subword: a copy owns its lookup (no views into the original)") {
    subword_tokenizer copy;
    {
        const auto original = subword_tokenizer::from_vocab(tiny_vocab);
        copy = original;
    }
    CHECK(joined(copy, copy.piece_ids("where orders")) == "\xE2\x96\x81where|\xE2\x96\x81order|s");
    const subword_tokenizer again(copy);
    CHECK(again.piece_ids("where orders") == copy.piece_ids("where orders"));
}
