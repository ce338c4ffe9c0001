#pragma once
// Retrieval over a shop's knowledge: every FAQ question, FAQ answer (weighted
// lower) and flow trigger phrase is a document owned by an item (an FAQ or a
// flow). A query is scored by BM25 and, when an embedding is supplied, by
// cosine similarity; scores are fused per item and turned into a calibrated
// confidence (the probability that the top item is the right answer), so one
// threshold means the same thing in every shop.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "parley/bm25_index.hpp"
#include "parley/config.hpp"
#include "parley/fusion.hpp"
#include "parley/tokenizer.hpp"
#include "parley/vector_index.hpp"

namespace parley {

enum class item_kind { faq, flow };

struct retrieval_item {
    item_kind kind = item_kind::faq;
    std::string id;
    std::size_t index = 0;  // into config::faqs or config::flows
};

struct retrieval_document {
    std::uint32_t item = 0;
    bool is_answer = false;
    std::string text;  // normalized and PII-masked, as indexed (what an embedder should embed)
};

struct candidate {
    std::uint32_t item = 0;
    float bm25 = 0.0f;     // aggregated BM25 score of the item
    float lexical = 0.0f;  // bm25 / reference score of the query, ~[0, 1]
    float cosine = 0.0f;   // best cosine of the item's documents (0 without vectors)
    float score = 0.0f;    // fused score used for ranking
};

struct retrieval_result {
    std::vector<std::string> tokens;
    std::vector<candidate> ranked;  // best first
    float confidence = 0.0f;        // calibrated P(top item is right)
    float margin = 0.0f;            // (top - second) / top of the fused score
    float coverage = 0.0f;          // share of query idf matched by the top document
    bool used_vectors = false;
};

// Coefficients of the calibration, fitted by bench/calibrate on the training
// configs (never on eval cases) and documented in BENCHMARKS.md.
struct calibration {
    float bias = -7.840f;
    float w_lexical = 2.840f;
    float w_margin = 4.588f;
    float w_coverage = 3.057f;
    float w_cosine = 0.0f;    // refitted once a shipped encoder exists (issue 5)
    float w_length = 1.339f;  // log(1 + query tokens)
};

struct retriever_options {
    tokenizer_options tokens;
    bm25_params bm25;
    float answer_weight = 0.3f;
    float vector_weight = 0.5f;
    // Per item: best document + decay * second + decay^2 * third. Several
    // questions of one FAQ agreeing is evidence beyond the single best one.
    float sibling_decay = 0.7f;
    std::size_t pool = 64;  // documents considered before grouping by item
    calibration calib;
};

class retriever {
  public:
    retriever() = default;
    // Index building: tokenizes every document and freezes the BM25 index.
    static retriever build(const config& cfg, const retriever_options& options = {});

    const std::vector<retrieval_item>& items() const { return items_; }
    const std::vector<retrieval_document>& documents() const { return documents_; }
    const bm25_index& lexical_index() const { return bm25_; }
    const retriever_options& options() const { return options_; }

    // Embeddings of every document, in documents() order, computed outside the
    // core. Replaces earlier ones. Throws std::invalid_argument on a bad shape.
    void set_document_embeddings(std::span<const float> flat, std::size_t dimension,
                                 vector_storage storage = vector_storage::int8);
    bool has_embeddings() const { return vectors_.size() > 0; }
    std::size_t embedding_dimension() const { return vectors_.dimension(); }

    // Querying. `text` is normalized and PII-masked; `embedding` is the query's
    // embedding from the same model (empty: BM25 only).
    retrieval_result query(std::string_view text, std::span<const float> embedding = {},
                           std::size_t k = 5) const;

  private:
    retriever_options options_;
    std::vector<retrieval_item> items_;
    std::vector<retrieval_document> documents_;
    bm25_index bm25_;
    vector_index vectors_;
};

float sigmoid(float x);

}  // namespace parley
