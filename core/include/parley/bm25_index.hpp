#pragma once
// An immutable BM25 index over short documents (FAQ questions and answers).
// Building is separate from querying: `bm25_builder` collects documents, then
// `build()` freezes them into compressed-row postings with each posting's
// BM25 weight precomputed, so a query is a sum of floats over a few lists.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace parley {

struct bm25_params {
    float k1 = 1.2f;
    float b = 0.75f;
};

struct scored_doc {
    std::uint32_t doc = 0;
    float score = 0.0f;
};

class bm25_index;

class bm25_builder {
  public:
    explicit bm25_builder(bm25_params params = {}) : params_(params) {}
    // Adds a document; `weight` scales every score it contributes (answers
    // count less than questions). Returns its id, dense from 0.
    std::uint32_t add(const std::vector<std::string>& tokens, float weight = 1.0f);
    bm25_index build() &&;

  private:
    bm25_params params_;
    std::unordered_map<std::string, std::uint32_t> vocabulary_;
    std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> term_docs_;  // (doc, tf)
    std::vector<std::uint32_t> doc_length_;
    std::vector<float> doc_weight_;
};

class bm25_index {
  public:
    bm25_index() = default;

    std::size_t size() const { return doc_count_; }
    std::size_t vocabulary_size() const { return vocabulary_.size(); }
    // Bytes held by the postings and vocabulary (for the benchmark).
    std::size_t memory_bytes() const;

    // Scores every document that shares a term with the query (unique query
    // terms, so "order order order" is no stronger than "order").
    // Out-of-vocabulary terms are ignored.
    std::vector<scored_doc> score_all(const std::vector<std::string>& query) const;
    // Best k documents, highest score first; ties broken by lower doc id.
    std::vector<scored_doc> top_k(const std::vector<std::string>& query, std::size_t k) const;

    // Inverse document frequency of a term; unknown terms get the idf of a
    // term seen in no document, which is the largest possible.
    float idf(std::string_view term) const;
    // Score a document of average length containing each query term once
    // would get: the scale against which a raw score is judged (calibration).
    // It equals the sum of the query terms' idf, unknown terms included.
    float reference_score(const std::vector<std::string>& query) const;
    float matched_idf(const std::vector<std::string>& query, std::uint32_t doc) const;

  private:
    friend class bm25_builder;
    std::vector<std::string> unique_terms(const std::vector<std::string>& query) const;

    bm25_params params_;
    std::uint32_t doc_count_ = 0;
    float average_length_ = 0.0f;
    std::unordered_map<std::string, std::uint32_t> vocabulary_;
    std::vector<float> idf_;
    std::vector<std::uint32_t> offsets_;  // term -> first posting; size terms+1
    std::vector<std::uint32_t> posting_doc_;
    std::vector<float> posting_weight_;  // full BM25 contribution incl. idf and doc weight
};

}  // namespace parley
