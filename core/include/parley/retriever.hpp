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
    // Calibrated P(top item is right). In vector mode BM25 alone answers when
    // its own confidence is at least 0.5 (the whole result is then BM25's);
    // otherwise the fused result's, raised to BM25's own where BM25 alone
    // picks the same top item.
    float confidence = 0.0f;
    // (top - second) / top of the fused score, x margin_scale; in vector mode
    // BM25's own margin when it is wider and BM25 picks the same top item.
    float margin = 0.0f;
    float coverage = 0.0f;  // share of query idf matched by the top document
    bool used_vectors = false;
    // What `margin` was multiplied by (vector mode: the calibration's
    // margin_scale); decide() measures the gaps to other candidates alike.
    float margin_scale = 1.0f;
};

// Coefficients of the calibration, fitted by bench/calibrate on the training
// configs (never on eval cases) and documented in BENCHMARKS.md.
struct calibration {
    float bias = -7.840f;
    float w_lexical = 2.840f;
    float w_margin = 4.588f;
    float w_coverage = 3.057f;
    float w_cosine = 0.0f;    // top item's best cosine; only the vector calibration uses it
    float w_length = 1.339f;  // log(1 + query tokens)
    // Vector mode only. Fusing in cosines, which differ little between the
    // best candidates, shrinks relative margins several-fold: 0.04 would make
    // every third answer a "Did you mean…?". Fused margins are multiplied by
    // this so that handoff.clarify_margin (and w_margin) keep their BM25
    // meaning; fitted so that clarifying is as frequent as with BM25 alone.
    float margin_scale = 1.0f;
};

// The calibration of queries that come with an embedding. Fusing cosine into
// the ranking score changes the margin's distribution and the top cosine is
// evidence of its own, so BM25's coefficients would be wrong here. Each model
// has its own cosine scale: the student carries its fitted coefficients in
// its file (`parley.calibration`, applied by sentence_encoder); these
// defaults are for a model that carries none (bench/calibrate --embed-url
// with the multilingual-e5-small teacher, whose cosines all sit in ~[0.7, 1]).
calibration default_vector_calibration();

// Reads {"bias":F,"lexical":F,"margin":F,"coverage":F,"cosine":F,"length":F,
// "margin_scale":F} (bench/calibrate's output, stored by
// models/set_calibration.py). Every key but margin_scale (default 1) is
// required and finite; throws std::invalid_argument naming the problem.
calibration parse_calibration(std::string_view json_text);
std::string calibration_json(const calibration& c);

struct retriever_options {
    tokenizer_options tokens;
    bm25_params bm25;
    float answer_weight = 0.3f;
    // Share of the cosine in the fused score. 0.8: the best held-out top-1 of
    // bench/calibrate's split for the shipped student (0.5 to 1.0 tried; 0.5:
    // 94.8/91.0/87.4/98.2 % on CLINC/banking/HWU/bitext, 0.8: 95.3/91.8/89.1/98.2).
    float vector_weight = 0.8f;
    // An item's cosine: (1 - w) * its best question's + w * its prototype's
    // (the normalized mean of its questions' vectors), w = centroid_weight for
    // an item of up to centroid_questions questions and proportionally less
    // above: with a few phrasings the prototype is steadier than the one
    // nearest question; with a hundred, the nearest one knows more.
    // 0.7 was the best mean held-out top-1 of bench/calibrate's split (0 to 1
    // tried) at 10 questions per FAQ (a shop's regime): CLINC/banking/HWU/
    // bitext 92.3/87.8/84.1/96.4 % at 0, 92.9/88.9/85.8/96.0 at 0.7. With all
    // questions indexed the split could not tell 0.7 flat from 0 (±0.4), but
    // the dev sets could (banking dev −1.0, SNIPS −1.1 ranking), hence the
    // scaling; MODEL_CARD.md tells the order in which this was decided.
    float centroid_weight = 0.7f;
    float centroid_questions = 10.0f;
    // Per item: best document + decay * second + decay^2 * third. Several
    // questions of one FAQ agreeing is evidence beyond the single best one.
    float sibling_decay = 0.7f;
    std::size_t pool = 64;  // documents considered before grouping by item
    calibration calib;      // BM25 only (no query embedding or no document vectors)
    calibration vector_calib = default_vector_calibration();
};

class retriever;

// Which documents need a vector of their own. Queries are compared with
// question documents only (see query()), so an answer document borrows a
// question vector of its item: answers are several times longer than
// questions, and skipping them halves the cost of embedding a shop.
struct document_embedding_plan {
    std::vector<std::uint32_t> embed;   // documents to embed, in this order
    std::vector<std::uint32_t> source;  // per document: its row among the embedded ones
    // One vector per document, in documents() order, from the embedded rows
    // (embed.size() x dimension floats); throws std::invalid_argument on a bad shape.
    std::vector<float> expand(std::span<const float> embedded, std::size_t dimension) const;
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
    // The calibration of queries with an embedding: the one fitted for the
    // model that made the document embeddings.
    void set_vector_calibration(const calibration& c) { options_.vector_calib = c; }
    document_embedding_plan embedding_plan() const;
    bool has_embeddings() const { return vectors_.size() > 0; }
    std::size_t embedding_dimension() const { return vectors_.dimension(); }

    // Querying. `text` is normalized and PII-masked; `embedding` is the query's
    // embedding from the same model (empty: BM25 only).
    retrieval_result query(std::string_view text, std::span<const float> embedding = {},
                           std::size_t k = 5) const;

  private:
    // One ranking of BM25's pool `docs` (and, with an embedding, of every
    // item's nearest question), with its calibrated confidence.
    retrieval_result rank(std::vector<std::string> tokens, const std::vector<scored_doc>& docs,
                          float total_idf, std::span<const float> embedding, std::size_t k) const;

    retriever_options options_;
    std::vector<retrieval_item> items_;
    std::vector<retrieval_document> documents_;
    bm25_index bm25_;
    vector_index vectors_;
    vector_index centroids_;                     // items of 2+ questions (centroid_row_)
    std::vector<std::uint32_t> centroid_row_;    // per item: its row in centroids_, or -1
    std::vector<std::uint32_t> question_count_;  // per item
};

float sigmoid(float x);

// Whether BM25's own ranking of an English query (`lexical`, no embedding) is
// sure enough to stand in vector mode: retriever::query then answers with it
// and the vectors are not consulted. bench/calibrate applies the same rule.
bool lexical_answer_stands(const retrieval_result& lexical, std::string_view text);

}  // namespace parley
