#pragma once
// Retrieval tokens. English: words with light stemming ("shipping", "shipped"
// and "ships" all become "ship"); Chinese: single characters plus bigrams, the
// standard trick that needs no dictionary; digits and emoji are tokens of their
// own; PII placeholders ("[order]") become one token ("#order").
#include <string>
#include <string_view>
#include <vector>

namespace parley {

struct tokenizer_options {
    bool stem = true;
    bool drop_stopwords = true;  // English function words only; Chinese keeps all
    bool cjk_unigrams = true;
    bool cjk_bigrams = true;
};

// `text` must be normalized (text.hpp). Never throws; tokens are UTF-8.
std::vector<std::string> tokenize(std::string_view text, const tokenizer_options& options = {});

// Light English stemmer, exposed for tests and lexicons. Input is lower-case ASCII.
std::string stem_english(std::string_view word);
bool is_english_stopword(std::string_view word);

}  // namespace parley
