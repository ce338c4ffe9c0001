#pragma once
// The shared state of one `parley serve` node (Beast chat-multi's
// shared_state): the published shop config with its built core, the store,
// the event bus, the sockets connected to this node, rate limits and metrics.
// Sockets never talk to each other directly: a change is written to the store
// and announced on the bus; every node (this one included) then pushes it to
// the sockets it holds. One code path for one node and for many.
#include <array>
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "event_bus.hpp"
#include "http_client.hpp"
#include "logger.hpp"
#include "metrics.hpp"
#include "parley/dialog.hpp"
#include "parley/sentence_encoder.hpp"
#include "rate_limiter.hpp"
#include "rerank.hpp"
#include "static_files.hpp"
#include "store.hpp"
#include "turn_committer.hpp"

namespace parley::server {

class shopper_session;
class webhook_dispatcher;
class agent_session;

struct serve_settings {
    std::string host = "127.0.0.1";
    unsigned short port = 8080;
    std::string data_dir = "./parley-data";
    std::string db_url;  // "" = SQLite under data_dir
    std::string www_dir;
    std::string config_path;  // "" = bundled demo shop
    bool demo = true;
    std::string node_id;  // random per process: tells this node's bus events apart
    bool quiet = false;   // no info logs (benchmarks)
    // Off only for load generators and tests that send from one IP what
    // thousands of shoppers would send from theirs.
    bool rate_limits = true;
    // Embedding models (DESIGN.md "Models"): the student in process (nullptr:
    // BM25 only) and optionally a large model behind the OpenAI-compatible
    // API that re-answers low-confidence turns.
    std::shared_ptr<const parley::sentence_encoder> student;
    std::optional<rerank_settings> rerank;
};

// A shopper message's embedding from the student (empty without one) and the
// student's frustration probability (negative: no model score).
struct message_vector {
    std::vector<float> embedding;
    float frustration = -1.0f;
};

// One form of what GET /api/shop-config sends the widget (no server
// secrets), with its compressed variants made once per publish: it sits on
// the path to the first in-page answer.
struct public_config {
    std::string json;
    std::string brotli;
    std::string gzip;
    std::string etag;
};

// One published config with its index built: swapped as a whole when the
// merchant publishes, while conversations in flight keep the one they hold.
struct shop_runtime {
    std::string json;
    parley::dialog_engine engine;
    public_config published;  // every language
    // ?lang=en|zh: only that language's questions and answers, for a page in
    // that language (the demo shop's 19.0 kB gzip is 10.5 kB in English). The
    // widget fetches `published` once a shopper writes in another language.
    std::map<std::string, public_config, std::less<>> by_language;
    const public_config& public_for(std::string_view lang) const;
    std::int64_t version = 0;  // the published config version (0: not from the store)
    // With a student, every document is embedded here, before the runtime
    // is published: a config never answers without its vectors.
    std::size_t documents_embedded = 0;
    double document_embedding_ms = 0;
    // The student's vectors of every document (documents() order), kept when
    // the re-rank engine joins them with a large model's; else empty.
    std::vector<float> student_documents;
    std::size_t student_dimension = 0;
    // The large model's copy of the engine, filled in the background.
    std::shared_ptr<rerank_index> rerank = std::make_shared<rerank_index>();
    shop_runtime(std::string j, parley::config cfg, std::int64_t version = 0,
                 const parley::sentence_encoder* student = nullptr,
                 bool keep_student_documents = false);
    const parley::config& cfg() const { return engine.settings(); }
};

// A bus event parsed once per node and shared by every socket it concerns.
struct hub_event {
    std::string kind;  // msg, typing, read, status, ticket, csat, presence, queue
    std::string conversation_id;
    nlohmann::json body;
    std::optional<message_record> message;  // kind == msg
};

class hub : public std::enable_shared_from_this<hub> {
  public:
    hub(boost::asio::io_context& ioc, serve_settings settings, logger& log,
        std::unique_ptr<store> db, std::unique_ptr<event_bus> bus,
        std::shared_ptr<const shop_runtime> shop);
    ~hub();

    void start();  // bus, timers
    void stop();   // closes every socket (going away)

    const serve_settings& settings() const { return settings_; }
    boost::asio::io_context& io_context() { return ioc_; }
    http_client& http() { return http_; }
    // This node's own base URL ("http://127.0.0.1:8080"): {self} in endpoint
    // templates (the demo shop's backend). Set once, before start().
    void set_self_url(std::string url) { self_url_ = std::move(url); }
    const std::string& self_url() const { return self_url_; }
    // The store writes webhook events with the changes they report (see
    // store::set_webhook_receivers); this only tells the dispatcher to look now.
    void wake_webhooks();
    std::shared_ptr<webhook_dispatcher> webhooks() const { return webhooks_; }
    logger& log() { return log_; }
    store& db() { return *db_; }
    // A bot turn, group-committed (turn_committer): `done` is posted to
    // `executor` once the turn is stored.
    void commit_turn(store::turn_request turn, boost::asio::any_io_executor executor,
                     turn_committer::done_fn done) {
        turns_.submit(std::move(turn), std::move(executor), std::move(done), shared_from_this());
    }
    void flush_turns_of(std::string_view conversation_id) {
        turns_.flush_conversation(conversation_id);
    }
    metrics_registry& metrics() { return metrics_; }
    const static_files& files() const { return files_; }

    // Metrics on the per-message path, registered once (a registry lookup
    // takes its mutex).
    counter_metric& messages_stored(author_kind author) {
        return *messages_stored_[static_cast<std::size_t>(author)];
    }
    histogram_metric& bot_reply_seconds() { return *bot_reply_seconds_; }

    // Embeddings (serve_settings::student): a message for respond(), and the
    // documents of an engine the server builds outside a shop_runtime (the
    // admin page's "try" with a draft config).
    message_vector embed_message(const parley::dialog_engine& engine, std::string_view text);
    // Whether a bot turn for `engine` embeds the shopper's message at all.
    bool embeds_messages(const parley::dialog_engine& engine) const;
    // embed_message() on the inference threads, the result handed to `done`
    // on `executor` (the session's strand): a forward pass takes 1-2 ms of
    // CPU, which on an io thread would hold up every socket behind it.
    void embed_message_async(std::shared_ptr<const shop_runtime> shop, std::string_view text,
                             boost::asio::any_io_executor executor,
                             std::function<void(message_vector)> done);
    void attach_vectors(parley::dialog_engine& engine);
    // The large model, nullptr unless --rerank-url.
    reranker* rerank() { return reranker_.get(); }
    // A runtime for a config, with the student's document vectors (logged);
    // the large model starts on its documents once it is published.
    std::shared_ptr<const shop_runtime> make_runtime(std::string config_text, parley::config cfg,
                                                     std::int64_t version);

    std::shared_ptr<const shop_runtime> shop() const;
    void publish_shop(std::shared_ptr<const shop_runtime> shop);
    // Publishes a merchant config as the next version: validated (throws
    // parley::config_error naming the field), stored, applied on this node and
    // announced so every node applies it; widgets get it on their next load.
    config_version_record publish_config(const std::string& config_text, const std::string& by,
                                         const std::string& note, const std::string& source);
    // Applies a stored version if it is newer than the one running here.
    void apply_config_version(std::int64_t version);

    // Rate limits (PROTOCOL.md "Limits").
    bool allow_connect(const std::string& ip);
    bool allow_request(const std::string& ip);
    bool allow_message(const std::string& conversation_id);
    bool allow_login(const std::string& ip);

    bool origin_allowed(std::string_view origin, std::string_view host) const;

    // Sockets of this node.
    void join(const std::shared_ptr<shopper_session>& s, const std::string& conversation_id);
    void leave(const shopper_session* s, const std::string& conversation_id);
    void join(const std::shared_ptr<agent_session>& a);
    void leave(const agent_session* a);

    // Announces a change to every node.
    void publish(const nlohmann::json& event);
    // `sent_by`: a socket of this node that already sent the message itself
    // (a bot turn's own reply): on one node it is not handed the event again.
    void publish_message(const message_record& m, conversation_status status,
                         const shopper_session* sent_by = nullptr);

    // Agents signed in to the console, across all nodes (presence heartbeat).
    int agents_online() const;
    bool business_open() const;

    // Places in the queue (1 = next), 0 if not queued.
    int queue_position(const std::string& conversation_id);
    std::string agent_name(const std::string& agent_id);
    nlohmann::json queue_frame();    // for the agent console
    nlohmann::json tickets_frame();  // for the agent console

    // A system line in a conversation, stored and announced.
    message_record add_system_message(const std::string& conversation_id, const std::string& text,
                                      conversation_status status);

    // An agent's answer to a ticket: stored on the ticket and, when the ticket
    // came from a conversation, as an agent message there (the shopper sees it
    // on return). Shared by the agent socket and the REST API.
    enum class ticket_answer { answered, not_found, not_open };
    ticket_answer answer_ticket(std::int64_t id, const std::string& text,
                                const std::string& agent_id);

    // Shared by the shopper socket's offline form and the REST API.
    std::optional<ticket_record> open_ticket(const conversation_record& c, const std::string& email,
                                             const std::string& message);

    std::atomic<std::int64_t> shopper_sockets{0};
    std::atomic<std::int64_t> agent_sockets{0};

  private:
    void on_bus(const std::string& payload);
    void dispatch(const std::shared_ptr<const hub_event>& ev,
                  const shopper_session* sent_by = nullptr);
    void schedule_queue_refresh();
    void schedule_tickets_refresh();
    void do_heartbeat();
    void do_retention();
    void announce_presence();
    void sync_webhook_receivers();  // the current config's receivers → the store

    boost::asio::io_context& ioc_;
    serve_settings settings_;
    http_client http_;
    std::string self_url_;
    std::shared_ptr<webhook_dispatcher> webhooks_;
    logger& log_;
    std::unique_ptr<store> db_;
    turn_committer turns_;
    std::unique_ptr<event_bus> bus_;
    static_files files_;
    metrics_registry metrics_;

    std::array<counter_metric*, 5> messages_stored_{};  // by author_kind
    histogram_metric* bot_reply_seconds_ = nullptr;
    counter_metric* student_messages_ = nullptr;
    counter_metric* student_documents_ = nullptr;
    histogram_metric* student_seconds_ = nullptr;
    std::shared_ptr<reranker> reranker_;

    // The student's forward passes (embed_message_async), one thread per core.
    boost::asio::thread_pool inference_;

    mutable std::mutex shop_mutex_;
    std::shared_ptr<const shop_runtime> shop_;

    rate_limiter connect_limiter_;
    rate_limiter request_limiter_;
    rate_limiter message_limiter_;
    rate_limiter login_limiter_;

    std::mutex sessions_mutex_;
    std::unordered_multimap<std::string, std::weak_ptr<shopper_session>> shoppers_;
    std::map<const agent_session*, std::weak_ptr<agent_session>> agents_;

    mutable std::mutex presence_mutex_;
    struct presence {
        int agents = 0;
        std::int64_t seen = 0;
    };
    std::map<std::string, presence> presence_;  // node id → its agents

    // SQLite: this process is the whole deployment and events are dispatched
    // in process without serializing (the local bus stays for symmetry).
    bool single_node_;
    std::atomic<bool> queue_refresh_pending_{false};
    std::atomic<bool> tickets_refresh_pending_{false};
    boost::asio::steady_timer heartbeat_timer_;
    boost::asio::steady_timer retention_timer_;
    std::mutex names_mutex_;
    std::unordered_map<std::string, std::string> agent_names_;
};

}  // namespace parley::server
