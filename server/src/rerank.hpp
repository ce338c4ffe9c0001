#pragma once
// A second opinion for low-confidence turns from a large embedding model
// behind the OpenAI-compatible API (DESIGN.md "Models": the student answers
// every turn in process; a large model re-answers the ones the student is
// unsure of). Per published config the large model embeds every document
// once, in the background; a turn whose student reply is a fallback or a
// "Did you mean…?" is answered again, from the pre-turn session, by a copy of
// the shop's engine holding those vectors (joined with the student's, so
// that the two models vote on each question), and the better reply is kept.
//
// The large model is never on the critical path beyond a short deadline: a
// slow, failing or not-yet-ready server leaves the student's reply in place.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "embeddings_client.hpp"
#include "logger.hpp"
#include "metrics.hpp"
#include "parley/dialog.hpp"
#include "parley/retriever.hpp"

namespace parley::server {

struct shop_runtime;

struct rerank_settings {
    embeddings_endpoint endpoint;
    // The most a shopper's turn waits for the message's embedding.
    std::chrono::milliseconds timeout{800};
    // Documents: per request, and how long one such request may take.
    std::size_t batch = 32;
    std::chrono::milliseconds document_timeout{120000};
    // After a failed document pass, the next rerank-worthy turn retries
    // once this much time has passed.
    std::chrono::milliseconds retry_after{30000};
    // With a student in process, the re-rank engine's vectors are the
    // student's joined with the large model's (parley/joint_embedding.hpp):
    // `weight` is the large model's share of each cosine; 1 is the large
    // model alone (also what a server without a student uses). Why 0.7, from
    // replies as `parley eval --rerank-url` gives them at 0.15:
    // - on bench/calibrate's split (the student's training intents), where
    //   the student alone is best (0.8 x answered right + 0.2 x OOS recall:
    //   0.810; 0.3: 0.808), 0.7 (0.800) beats the large model alone (0.790):
    //   the same 88.5 % answered right, 46 % OOS recall against 41 %;
    // - on the demo shop's own paraphrases (intents the student never
    //   trained on) the large model's share is what rescues: hard set 50.0 %
    //   with the student alone, 52.9 at 0.3, 64.7 at 0.7, 70.6 at 1.
    // BENCHMARKS.md, "Re-rank in a joint space".
    float weight = 0.7f;
    // Whether a student's vectors go into the space (when there is one).
    bool joins_student() const { return weight < 1.0f; }
    // The vector-mode calibration of that space (joint vectors and large
    // models alike have cosines of their own scale); bench/calibrate fits it
    // (--embed-url, with --model and --joint-weight for the joint space).
    parley::calibration calib = parley::default_vector_calibration();
};

// The re-rank engine's space, shared by `parley serve` and `parley eval`:
// `engine` (a copy of the shop's) gets the large model's document vectors
// (`large`: documents() order, large_dimension each), joined with the
// student's (`student`, student_dimension each) when those are given, and
// `calib` (alone when `large` is empty: no documents to embed). Throws
// std::invalid_argument on shapes that disagree.
void attach_rerank_vectors(parley::dialog_engine& engine, std::vector<float> large,
                           std::size_t large_dimension, std::span<const float> student,
                           std::size_t student_dimension, float weight,
                           const parley::calibration& calib);
// A message's vector in that space: the large model's, joined with the
// student's when `student` is not empty.
std::vector<float> rerank_query(std::span<const float> student, std::vector<float> large,
                                float weight);

// Per published config (owned by its shop_runtime): the engine with the large
// model's document vectors, once they are computed.
class rerank_index {
  public:
    std::shared_ptr<const parley::dialog_engine> engine() const {
        std::lock_guard lock(mutex_);
        return engine_;
    }
    // The outcome of a background pass over the documents.
    void set_ready(std::shared_ptr<const parley::dialog_engine> engine) {
        std::lock_guard lock(mutex_);
        engine_ = std::move(engine);
        building_ = failed_ = false;
    }
    void set_failed() {
        std::lock_guard lock(mutex_);
        building_ = false;
        failed_ = true;
        failed_at_ = std::chrono::steady_clock::now();
    }

  private:
    friend class reranker;
    mutable std::mutex mutex_;
    std::shared_ptr<const parley::dialog_engine> engine_;
    bool building_ = false;
    bool failed_ = false;
    std::chrono::steady_clock::time_point failed_at_{};
};

class reranker : public std::enable_shared_from_this<reranker> {
  public:
    reranker(boost::asio::io_context& ioc, http_client& http, logger& log,
             metrics_registry& metrics, rerank_settings settings);
    const rerank_settings& settings() const { return settings_; }

    // Starts embedding the runtime's documents in the background (once per
    // runtime; a runtime replaced meanwhile is abandoned).
    void prepare(const std::shared_ptr<const shop_runtime>& shop);
    // The large model's engine for this runtime; nullptr while its documents
    // are not embedded yet (a failed pass is retried from here).
    std::shared_ptr<const parley::dialog_engine> engine_for(
        const std::shared_ptr<const shop_runtime>& shop);

    // A reply worth a second opinion: the student did not find an answer.
    static bool wants(const parley::reply& student);
    // Keep the large model's reply? Only when it is confident by the shop's
    // own threshold and more decisive than the student's.
    static bool prefer(const parley::reply& student, const parley::reply& large, double threshold);

    // Embeds one message (analysed text) within settings().timeout; `done`
    // runs exactly once on `executor`. Counts the call and its failures.
    void embed_message(boost::asio::any_io_executor executor, std::string analysed_text,
                       std::function<void(embeddings_result)> done);
    void count_kept() { kept_->inc(); }
    void count_not_ready() { not_ready_->inc(); }

  private:
    boost::asio::io_context& ioc_;
    logger& log_;
    rerank_settings settings_;
    embeddings_client client_;
    counter_metric* calls_;
    counter_metric* kept_;
    counter_metric* timeouts_;
    counter_metric* errors_;
    counter_metric* not_ready_;
    counter_metric* document_embeddings_;
    counter_metric* message_embeddings_;
    histogram_metric* seconds_;
};

}  // namespace parley::server
