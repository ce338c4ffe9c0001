#include "rerank.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/strand.hpp>

#include "hub.hpp"
#include "parley/joint_embedding.hpp"

namespace parley::server {

namespace net = boost::asio;

namespace {

double ms_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
        .count();
}

// One pass over a runtime's documents; a free coroutine with everything it
// needs by value, so nothing dangles while it waits on the network.
net::awaitable<void> embed_documents(std::shared_ptr<reranker> self, embeddings_client& client,
                                     logger& log, counter_metric& counted,
                                     std::weak_ptr<const shop_runtime> weak,
                                     parley::document_embedding_plan plan,
                                     std::vector<std::string> texts) {
    const auto start = std::chrono::steady_clock::now();
    const auto& settings = self->settings();
    const std::size_t count = texts.size();
    auto r = co_await client.embed_all(std::move(texts), settings.batch, settings.document_timeout);
    const auto shop = weak.lock();
    if (!shop) co_return;  // a newer config replaced this one meanwhile
    auto& index = *shop->rerank;
    auto fail = [&](const std::string& error) {
        log.warn("rerank_documents_failed",
                 {{"version", shop->version}, {"error", error}, {"ms", ms_since(start)}});
        index.set_failed();
    };
    if (!r.ok()) co_return fail(r.error);
    std::shared_ptr<parley::dialog_engine> engine;
    std::size_t dim = 0;
    try {
        engine = std::make_shared<parley::dialog_engine>(shop->engine);
        dim = r.dimension();
        attach_rerank_vectors(*engine, dim > 0 ? plan.expand(r.rows(), dim) : std::vector<float>{},
                              dim, shop->student_documents, shop->student_dimension,
                              settings.weight, settings.calib);
    } catch (const std::exception& e) {
        co_return fail(e.what());
    }
    counted.inc(static_cast<double>(count));
    log.info("rerank_documents_embedded", {{"version", shop->version},
                                           {"documents", count},
                                           {"dimension", dim},
                                           {"ms", ms_since(start)}});
    index.set_ready(std::move(engine));
}

}  // namespace

void attach_rerank_vectors(parley::dialog_engine& engine, std::vector<float> large,
                           std::size_t large_dimension, std::span<const float> student,
                           std::size_t student_dimension, float weight,
                           const parley::calibration& calib) {
    if (large.empty()) {
        // A shop without documents to embed: the calibration alone.
    } else if (student.empty()) {
        engine.index().set_document_embeddings(large, large_dimension);
    } else {
        // The student's vectors of the same documents: one joint space.
        engine.index().set_document_embeddings(
            parley::join_embedding_rows(student, student_dimension, large, large_dimension, weight),
            student_dimension + large_dimension);
    }
    engine.index().set_vector_calibration(calib);
}

std::vector<float> rerank_query(std::span<const float> student, std::vector<float> large,
                                float weight) {
    return student.empty() ? std::move(large) : parley::join_embeddings(student, large, weight);
}

reranker::reranker(net::io_context& ioc, http_client& http, logger& log, metrics_registry& metrics,
                   rerank_settings settings)
    : ioc_(ioc), log_(log), settings_(std::move(settings)), client_(http, settings_.endpoint) {
    const char* embedded = "Texts embedded, by model and kind";
    document_embeddings_ = &metrics.counter("parley_embeddings_total", embedded,
                                            {{"model", "rerank"}, {"kind", "document"}});
    message_embeddings_ = &metrics.counter("parley_embeddings_total", embedded,
                                           {{"model", "rerank"}, {"kind", "message"}});
    calls_ = &metrics.counter("parley_rerank_calls_total",
                              "Low-confidence turns sent to the large model");
    kept_ = &metrics.counter("parley_rerank_kept_total",
                             "Turns where the large model's reply replaced the student's");
    const char* failed = "Low-confidence turns the large model could not re-answer, by reason";
    timeouts_ = &metrics.counter("parley_rerank_failures_total", failed, {{"reason", "timeout"}});
    errors_ = &metrics.counter("parley_rerank_failures_total", failed, {{"reason", "error"}});
    not_ready_ =
        &metrics.counter("parley_rerank_failures_total", failed, {{"reason", "not_ready"}});
    seconds_ =
        &metrics.histogram("parley_rerank_seconds", "Time to embed a message with the large model");
}

void reranker::prepare(const std::shared_ptr<const shop_runtime>& shop) {
    auto& index = *shop->rerank;
    {
        std::lock_guard lock(index.mutex_);
        if (index.building_ || index.engine_) return;
        index.building_ = true;
    }
    auto plan = shop->engine.index().embedding_plan();
    std::vector<std::string> texts;
    texts.reserve(plan.embed.size());
    for (auto d : plan.embed) texts.push_back(shop->engine.index().documents()[d].text);
    log_.info("rerank_documents_started", {{"version", shop->version},
                                           {"documents", texts.size()},
                                           {"url", embeddings_url(settings_.endpoint.url)}});
    net::co_spawn(net::make_strand(ioc_),
                  embed_documents(shared_from_this(), client_, log_, *document_embeddings_, shop,
                                  std::move(plan), std::move(texts)),
                  net::detached);
}

std::shared_ptr<const parley::dialog_engine> reranker::engine_for(
    const std::shared_ptr<const shop_runtime>& shop) {
    auto& index = *shop->rerank;
    {
        std::lock_guard lock(index.mutex_);
        if (index.engine_) return index.engine_;
        if (index.building_) return nullptr;
        if (index.failed_ &&
            std::chrono::steady_clock::now() - index.failed_at_ < settings_.retry_after)
            return nullptr;
    }
    prepare(shop);
    return nullptr;
}

bool reranker::wants(const parley::reply& student) {
    return student.kind == parley::reply_kind::fallback ||
           student.kind == parley::reply_kind::clarify ||
           (student.kind == parley::reply_kind::handoff &&
            student.handoff == parley::handoff_reason::repeated_fallback);
}

bool reranker::prefer(const parley::reply& student, const parley::reply& large, double threshold) {
    if (large.confidence < threshold) return false;
    switch (large.kind) {
        case parley::reply_kind::fallback:
        case parley::reply_kind::handoff:
            return false;
        case parley::reply_kind::clarify:
            // Options instead of "I don't know" help; options for options do not.
            return student.kind != parley::reply_kind::clarify;
        default:
            return true;
    }
}

void reranker::embed_message(net::any_io_executor executor, std::string analysed_text,
                             std::function<void(embeddings_result)> done) {
    calls_->inc();
    std::vector<std::string> texts{std::move(analysed_text)};
    client_.embed_with_deadline(
        std::move(executor), std::move(texts), settings_.timeout,
        [self = shared_from_this(), done = std::move(done)](embeddings_result r) {
            self->seconds_->observe(r.ms / 1000.0);
            if (r.ok() && r.vectors.size() != 1) r.error = "expected one embedding";
            if (r.ok()) {
                self->message_embeddings_->inc();
            } else {
                (r.timed_out ? self->timeouts_ : self->errors_)->inc();
                self->log_.warn("rerank_failed", {{"error", r.error}, {"ms", r.ms}});
            }
            done(std::move(r));
        });
}

}  // namespace parley::server
