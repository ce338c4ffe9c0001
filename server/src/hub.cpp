#include "hub.hpp"

#include "shop_endpoint.hpp"
#include "webhooks.hpp"

#include <boost/asio/post.hpp>
#include <chrono>
#include <thread>

#include "agent_session.hpp"
#include "auth.hpp"
#include "business_clock.hpp"
#include "frames.hpp"
#include "shopper_session.hpp"
#include "student_model.hpp"

namespace parley::server {

namespace net = boost::asio;
using nlohmann::json;

namespace {
// An agent counts as online on another node while its heartbeat is fresh.
constexpr std::int64_t presence_ttl_ms = 30000;
constexpr auto heartbeat_every = std::chrono::seconds(10);
constexpr auto retention_every = std::chrono::hours(1);

// Pages are optional (a bare API node, or a build without the web step):
// missing ones are a warning, not a failed start.
static_files load_pages(const std::string& dir, logger& log) {
    try {
        return static_files(dir);
    } catch (const std::exception& e) {
        log.warn("no_static_files", {{"dir", dir}, {"error", e.what()}});
        return static_files();
    }
}

// What the browser's core reads of a config. Out: server secrets and settings
// the browser never reads (integrations' endpoint secrets and webhook keys,
// retention, FAQ tags), and text sent twice: a FAQ's `answer` that equals its
// `answers.en` is what the core takes as `answer` when there is none, so the
// core builds the same index and gives the same answers from what is left.
json browser_config(json pub) {
    pub.erase("identity_secret");
    pub.erase("integrations");
    pub.erase("retention_days");
    const auto faqs = pub.find("faqs");
    if (faqs == pub.end() || !faqs->is_array()) return pub;
    for (auto& faq : *faqs) {
        if (!faq.is_object()) continue;
        faq.erase("tags");
        const auto answer = faq.find("answer");
        const auto answers = faq.find("answers");
        if (answer != faq.end() && answers != faq.end() && answers->is_object()) {
            const auto en = answers->find("en");
            if (en != answers->end() && *en == *answer) faq.erase(answer);
        }
    }
    return pub;
}

// The browser config cut to one language: each FAQ keeps that language's
// answer and questions. A FAQ with no answer or no question in it keeps all
// of them, so every FAQ stays answerable.
json for_language(json pub, parley::language lang) {
    const std::string code(parley::language_code(lang));
    const auto faqs = pub.find("faqs");
    if (faqs == pub.end() || !faqs->is_array()) return pub;
    for (auto& faq : *faqs) {
        if (!faq.is_object()) continue;
        const auto answers = faq.find("answers");
        if (answers != faq.end() && answers->is_object() && answers->contains(code)) {
            *answers = json{{code, (*answers)[code]}};
            faq.erase("answer");
        }
        const auto questions = faq.find("questions");
        if (questions == faq.end() || !questions->is_array()) continue;
        json kept = json::array();
        for (const auto& q : *questions)
            if (q.is_string() && parley::detect_language(q.get<std::string>(), lang) == lang)
                kept.push_back(q);
        if (!kept.empty()) *questions = std::move(kept);
    }
    return pub;
}

public_config compress(std::string text) {
    public_config c;
    c.brotli = brotli_compress(text);
    // Compressed once per published config and sent to every shopper whose
    // widget loads: zopfli's ~5 % (1 kB on the demo shop) is worth its 0.1 s
    // up to a few hundred KB; a bigger config gets zlib's.
    c.gzip = text.size() <= 256 * 1024 ? zopfli_gzip(text) : gzip_compress(text);
    c.etag = "\"" + sha256_hex(text).substr(0, 32) + "\"";
    c.json = std::move(text);
    return c;
}
}  // namespace

const public_config& shop_runtime::public_for(std::string_view lang) const {
    const auto it = by_language.find(lang);
    return it == by_language.end() ? published : it->second;
}

shop_runtime::shop_runtime(std::string j, parley::config cfg, std::int64_t v,
                           const parley::sentence_encoder* student, bool keep_student_documents)
    : json(std::move(j)), engine(std::move(cfg)), version(v) {
    if (student) {
        const auto start = std::chrono::steady_clock::now();
        documents_embedded = engine.index().embedding_plan().embed.size();
        auto flat = embed_documents(*student, engine.index());
        student->attach_documents(engine, flat);
        if (keep_student_documents) {
            student_documents = std::move(flat);
            student_dimension = student->dimension();
        }
        document_embedding_ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                .count();
    }
    const nlohmann::json pub = browser_config(nlohmann::json::parse(json));
    published = compress(dump(pub));
    for (const auto lang : {parley::language::en, parley::language::zh}) {
        // A shop in one language: its form is the whole config, served as such.
        auto cut = dump(for_language(pub, lang));
        if (cut != published.json)
            by_language.emplace(parley::language_code(lang), compress(std::move(cut)));
    }
}

hub::hub(net::io_context& ioc, serve_settings settings, logger& log, std::unique_ptr<store> db,
         std::unique_ptr<event_bus> bus, std::shared_ptr<const shop_runtime> shop)
    : ioc_(ioc),
      settings_(std::move(settings)),
      log_(log),
      db_(std::move(db)),
      turns_(ioc, *db_),
      bus_(std::move(bus)),
      files_(load_pages(settings_.www_dir, log)),
      inference_(std::max(1u, std::thread::hardware_concurrency())),
      shop_(std::move(shop)),
      connect_limiter_(20, 2.0),
      request_limiter_(300, 5.0),
      message_limiter_(10, 1.0),
      login_limiter_(10, 10.0 / 60.0),
      single_node_(settings_.db_url.empty()),
      heartbeat_timer_(ioc),
      retention_timer_(ioc) {
    for (auto author : {author_kind::shopper, author_kind::bot, author_kind::agent,
                        author_kind::system, author_kind::note})
        messages_stored_[static_cast<std::size_t>(author)] =
            &metrics_.counter("parley_messages_total", "Stored messages",
                              {{"author", std::string(author_name(author))}});
    bot_reply_seconds_ = &metrics_.histogram("parley_bot_reply_seconds",
                                             "Time from a shopper message to the bot's reply");
    const char* embedded = "Texts embedded, by model and kind";
    student_messages_ = &metrics_.counter("parley_embeddings_total", embedded,
                                          {{"model", "student"}, {"kind", "message"}});
    student_documents_ = &metrics_.counter("parley_embeddings_total", embedded,
                                           {{"model", "student"}, {"kind", "document"}});
    student_seconds_ = &metrics_.histogram("parley_student_embedding_seconds",
                                           "Time to embed a shopper message with the student");
    if (shop_) student_documents_->inc(static_cast<double>(shop_->documents_embedded));
    if (settings_.rerank)
        reranker_ = std::make_shared<reranker>(ioc_, http_, log_, metrics_, *settings_.rerank);
}

hub::~hub() {
    inference_.stop();  // forward passes not started yet are dropped with their turns
    inference_.join();
}

void hub::start() {
    std::weak_ptr<hub> weak = weak_from_this();
    webhooks_ = std::make_shared<webhook_dispatcher>(
        ioc_, *db_, http_, log_, metrics_,
        [weak](const std::string& url) -> std::optional<std::string> {
            auto self = weak.lock();
            if (!self) return std::nullopt;
            const auto current = self->shop();
            for (const auto& hook : current->cfg().integrations.webhooks)
                if (expand_url(hook.url, {}, self->self_url()) == url) return hook.secret;
            return std::nullopt;
        });
    webhooks_->start();
    sync_webhook_receivers();
    bus_->on_event([weak](const std::string& payload) {
        if (auto self = weak.lock()) self->on_bus(payload);
    });
    bus_->start();
    do_heartbeat();
    do_retention();
    if (reranker_) reranker_->prepare(shop());
}

message_vector hub::embed_message(const parley::dialog_engine& engine, std::string_view text) {
    message_vector out;
    // An engine without vectors (no student) would ignore the embedding.
    if (!settings_.student || !engine.index().has_embeddings()) return out;
    const auto start = std::chrono::steady_clock::now();
    auto r = settings_.student->embed(engine.analysis_text(text));
    student_seconds_->observe(std::chrono::steady_clock::now() - start);
    student_messages_->inc();
    out.embedding = std::move(r.embedding);
    out.frustration = r.frustration;
    return out;
}

bool hub::embeds_messages(const parley::dialog_engine& engine) const {
    return settings_.student && engine.index().has_embeddings();
}

void hub::embed_message_async(std::shared_ptr<const shop_runtime> shop, std::string_view text,
                              net::any_io_executor executor,
                              std::function<void(message_vector)> done) {
    // `this`, not a shared_ptr: ~hub joins these threads first, and a hub
    // released on one of them would join itself.
    net::post(inference_, [self = this, shop = std::move(shop), text = std::string(text), executor,
                           done = std::move(done)]() mutable {
        message_vector vec;
        try {
            vec = self->embed_message(shop->engine, text);
        } catch (const std::exception& e) {
            // The turn goes on with BM25 alone rather than failing.
            self->log_.error("embedding_failed", {{"error", e.what()}});
        }
        net::post(executor, [done = std::move(done), vec = std::move(vec)]() mutable {
            done(std::move(vec));
        });
    });
}

void hub::attach_vectors(parley::dialog_engine& engine) {
    if (!settings_.student) return;
    const auto start = std::chrono::steady_clock::now();
    const auto documents = engine.index().embedding_plan().embed.size();
    settings_.student->attach_documents(engine,
                                        embed_documents(*settings_.student, engine.index()));
    student_documents_->inc(static_cast<double>(documents));
    log_.info(
        "documents_embedded",
        {{"what", "draft"},
         {"documents", documents},
         {"ms", std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                    .count()}});
}

std::shared_ptr<const shop_runtime> hub::make_runtime(std::string config_text, parley::config cfg,
                                                      std::int64_t version) {
    auto runtime = std::make_shared<const shop_runtime>(
        std::move(config_text), std::move(cfg), version, settings_.student.get(),
        settings_.rerank && settings_.rerank->joins_student());
    if (settings_.student) {
        student_documents_->inc(static_cast<double>(runtime->documents_embedded));
        log_.info("documents_embedded", {{"version", version},
                                         {"documents", runtime->documents_embedded},
                                         {"ms", runtime->document_embedding_ms}});
    }
    return runtime;
}

void hub::stop() {
    if (webhooks_) webhooks_->stop();
    heartbeat_timer_.cancel();
    retention_timer_.cancel();
    std::vector<std::shared_ptr<shopper_session>> shoppers;
    std::vector<std::shared_ptr<agent_session>> agents;
    {
        std::lock_guard lock(sessions_mutex_);
        for (auto& [id, weak] : shoppers_)
            if (auto s = weak.lock()) shoppers.push_back(s);
        for (auto& [ptr, weak] : agents_)
            if (auto a = weak.lock()) agents.push_back(a);
    }
    for (auto& s : shoppers) s->shutdown();
    for (auto& a : agents) a->shutdown();
    bus_->stop();
}

std::shared_ptr<const shop_runtime> hub::shop() const {
    std::lock_guard lock(shop_mutex_);
    return shop_;
}

void hub::publish_shop(std::shared_ptr<const shop_runtime> shop) {
    if (reranker_) reranker_->prepare(shop);
    {
        std::lock_guard lock(shop_mutex_);
        shop_ = std::move(shop);
    }
    sync_webhook_receivers();
}

config_version_record hub::publish_config(const std::string& config_text, const std::string& by,
                                          const std::string& note, const std::string& source) {
    auto cfg = parley::parse_config(config_text);  // refuses a bad config before storing it
    config_version_record v;
    v.config = config_text;
    v.published_at = now_ms();
    v.published_by = by;
    v.note = note;
    v.source = source;
    v = db_->add_config_version(v);
    auto runtime = make_runtime(config_text, std::move(cfg), v.version);
    bool current = false;
    {
        std::lock_guard lock(shop_mutex_);
        if (!shop_ || shop_->version < v.version) shop_ = runtime, current = true;
    }
    if (current && reranker_) reranker_->prepare(runtime);
    sync_webhook_receivers();
    log_.info("config_published", {{"version", v.version}, {"by", by}, {"source", source}});
    metrics_.counter("parley_config_publishes_total", "Config versions published").inc();
    if (!single_node_) bus_->publish(dump(json{{"e", "config"}, {"v", v.version}}));
    return v;
}

void hub::apply_config_version(std::int64_t version) {
    if (shop()->version >= version) return;
    try {
        auto v = db_->find_config_version(version);
        if (!v) return;
        auto runtime = make_runtime(v->config, parley::parse_config(v->config), version);
        bool current = false;
        {
            std::lock_guard lock(shop_mutex_);
            if (shop_->version < version) shop_ = runtime, current = true;
        }
        if (current && reranker_) reranker_->prepare(runtime);
        sync_webhook_receivers();
        log_.info("config_applied", {{"version", version}});
    } catch (const std::exception& e) {
        log_.error("config_apply_failed", {{"version", version}, {"error", e.what()}});
    }
}

bool hub::allow_connect(const std::string& ip) {
    if (!settings_.rate_limits) return true;
    return connect_limiter_.allow(ip, std::chrono::steady_clock::now());
}
bool hub::allow_request(const std::string& ip) {
    if (!settings_.rate_limits) return true;
    return request_limiter_.allow(ip, std::chrono::steady_clock::now());
}
bool hub::allow_message(const std::string& conversation_id) {
    if (!settings_.rate_limits) return true;
    return message_limiter_.allow(conversation_id, std::chrono::steady_clock::now());
}
bool hub::allow_login(const std::string& ip) {
    if (!settings_.rate_limits) return true;
    return login_limiter_.allow(ip, std::chrono::steady_clock::now());
}

bool hub::origin_allowed(std::string_view origin, std::string_view host) const {
    const auto current = shop();
    const auto& allowed = current->cfg().allowed_origins;
    if (allowed.empty()) return true;
    if (origin.empty()) return false;  // browsers always send Origin on WebSocket upgrades
    // The server's own pages (console, admin, demo shop) are always allowed.
    if (origin == "http://" + std::string(host) || origin == "https://" + std::string(host))
        return true;
    for (const auto& a : allowed)
        if (a == origin || a == "*") return true;
    return false;
}

void hub::join(const std::shared_ptr<shopper_session>& s, const std::string& conversation_id) {
    std::lock_guard lock(sessions_mutex_);
    shoppers_.emplace(conversation_id, s);
}

void hub::leave(const shopper_session* s, const std::string& conversation_id) {
    std::lock_guard lock(sessions_mutex_);
    auto [first, last] = shoppers_.equal_range(conversation_id);
    for (auto it = first; it != last;) {
        auto p = it->second.lock();
        if (!p || p.get() == s)
            it = shoppers_.erase(it);
        else
            ++it;
    }
}

void hub::join(const std::shared_ptr<agent_session>& a) {
    {
        std::lock_guard lock(sessions_mutex_);
        agents_[a.get()] = a;
    }
    announce_presence();
}

void hub::leave(const agent_session* a) {
    {
        std::lock_guard lock(sessions_mutex_);
        agents_.erase(a);
    }
    announce_presence();
}

void hub::publish(const json& event) {
    if (single_node_) {
        // One node: nobody else listens, so skip the JSON round trip.
        auto ev = std::make_shared<hub_event>();
        ev->body = event;
        ev->kind = event.value("e", "");
        ev->conversation_id = event.value("c", "");
        dispatch(ev);
        return;
    }
    bus_->publish(dump(event));
}

void hub::publish_message(const message_record& m, conversation_status status,
                          const shopper_session* sent_by) {
    if (single_node_) {
        auto ev = std::make_shared<hub_event>();
        ev->kind = "msg";
        ev->conversation_id = m.conversation_id;
        ev->body = json{{"e", "msg"}, {"c", m.conversation_id}, {"st", status_name(status)}};
        ev->message = m;
        dispatch(ev, sent_by);
        return;
    }
    json ev{{"e", "msg"}, {"c", m.conversation_id}, {"st", status_name(status)}};
    // PostgreSQL caps NOTIFY payloads at 8000 bytes: big messages travel by
    // reference and receivers read them from the store.
    if (m.text.size() + m.payload.size() < 6000)
        ev["m"] = message_event_json(m);
    else
        ev["s"] = m.seq;
    publish(ev);
}

void hub::on_bus(const std::string& payload) {
    auto ev = std::make_shared<hub_event>();
    try {
        ev->body = json::parse(payload);
        if (ev->body.value("type", "") == "bus_reconnected") {
            // Events sent while the bus was down are lost: every socket
            // re-reads what it may have missed from the store.
            log_.warn("bus_reconnected", {});
            // A config published meanwhile is applied too.
            if (auto latest = db_->latest_config_version()) apply_config_version(latest->version);
            ev->kind = "resync";
            dispatch(ev);
            return;
        }
        ev->kind = ev->body.value("e", "");
        ev->conversation_id = ev->body.value("c", "");
        if (ev->kind == "msg") {
            if (ev->body.contains("m")) {
                ev->message = message_from_json(ev->body["m"]);
            } else {
                const auto seq = ev->body.value("s", std::int64_t{0});
                auto found = db_->messages_after(ev->conversation_id, seq - 1, 1);
                if (found.empty()) return;
                ev->message = found.front();
            }
        }
    } catch (const std::exception& e) {
        log_.warn("bad_bus_event", {{"error", e.what()}});
        return;
    }
    dispatch(ev);
}

void hub::dispatch(const std::shared_ptr<const hub_event>& ev, const shopper_session* sent_by) {
    if (ev->kind == "config") {
        apply_config_version(ev->body.value("v", std::int64_t{0}));
        return;
    }
    if (ev->kind == "presence") {
        std::lock_guard lock(presence_mutex_);
        presence_[ev->body.value("node", "")] = {ev->body.value("agents", 0), now_ms()};
        return;
    }
    std::vector<std::shared_ptr<shopper_session>> shoppers;
    std::vector<std::shared_ptr<agent_session>> agents;
    {
        std::lock_guard lock(sessions_mutex_);
        if (ev->kind == "resync") {
            for (auto& [id, weak] : shoppers_)
                if (auto s = weak.lock()) shoppers.push_back(std::move(s));
        } else if (!ev->conversation_id.empty()) {
            auto [first, last] = shoppers_.equal_range(ev->conversation_id);
            for (auto it = first; it != last; ++it)
                if (auto s = it->second.lock(); s && s.get() != sent_by)
                    shoppers.push_back(std::move(s));
        }
        for (auto& [ptr, weak] : agents_)
            if (auto a = weak.lock()) agents.push_back(std::move(a));
    }
    for (auto& s : shoppers) s->deliver(ev);
    for (auto& a : agents) a->deliver(ev);

    const std::string status = ev->body.value("st", "");
    if (ev->kind == "status" || ev->kind == "queue" || ev->kind == "resync" ||
        (ev->kind == "msg" && status == "queued"))
        schedule_queue_refresh();
    if (ev->kind == "ticket" || ev->kind == "resync") schedule_tickets_refresh();
}

void hub::schedule_queue_refresh() {
    // Coalesces bursts: one store query per burst, not one per event.
    if (queue_refresh_pending_.exchange(true)) return;
    net::post(ioc_, [self = shared_from_this()] {
        self->queue_refresh_pending_ = false;
        std::vector<std::shared_ptr<agent_session>> agents;
        {
            std::lock_guard lock(self->sessions_mutex_);
            for (auto& [ptr, weak] : self->agents_)
                if (auto a = weak.lock()) agents.push_back(std::move(a));
        }
        if (agents.empty()) return;
        auto frame = std::make_shared<const std::string>(dump(self->queue_frame()));
        for (auto& a : agents) a->send_shared(frame);
    });
}

void hub::schedule_tickets_refresh() {
    if (tickets_refresh_pending_.exchange(true)) return;
    net::post(ioc_, [self = shared_from_this()] {
        self->tickets_refresh_pending_ = false;
        std::vector<std::shared_ptr<agent_session>> agents;
        {
            std::lock_guard lock(self->sessions_mutex_);
            for (auto& [ptr, weak] : self->agents_)
                if (auto a = weak.lock()) agents.push_back(std::move(a));
        }
        if (agents.empty()) return;
        auto frame = std::make_shared<const std::string>(dump(self->tickets_frame()));
        for (auto& a : agents) a->send_shared(frame);
    });
}

int hub::agents_online() const {
    std::lock_guard lock(presence_mutex_);
    const auto now = now_ms();
    int total = 0;
    for (const auto& [node, p] : presence_)
        if (now - p.seen < presence_ttl_ms) total += p.agents;
    return total;
}

bool hub::business_open() const {
    return is_open(shop()->cfg().hours, std::chrono::system_clock::now());
}

void hub::announce_presence() {
    std::set<std::string> ids;
    {
        std::lock_guard lock(sessions_mutex_);
        for (auto& [ptr, weak] : agents_)
            if (auto a = weak.lock()) ids.insert(a->agent_id());
    }
    const int count = static_cast<int>(ids.size());
    {
        // Our own count is known at once, without waiting for the bus.
        std::lock_guard lock(presence_mutex_);
        presence_[settings_.node_id] = {count, now_ms()};
    }
    publish(json{{"e", "presence"}, {"node", settings_.node_id}, {"agents", count}});
}

void hub::do_heartbeat() {
    announce_presence();
    heartbeat_timer_.expires_after(heartbeat_every);
    heartbeat_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
        if (ec) return;
        if (auto self = weak.lock()) self->do_heartbeat();
    });
}

void hub::do_retention() {
    const int days = shop()->cfg().retention_days;
    if (days > 0) {
        try {
            const auto cutoff = now_ms() - static_cast<std::int64_t>(days) * 86400000LL;
            const auto removed = db_->delete_older_than(cutoff);
            if (removed > 0) log_.info("retention", {{"deleted_conversations", removed}});
        } catch (const std::exception& e) {
            log_.error("retention_failed", {{"error", e.what()}});
        }
    }
    retention_timer_.expires_after(retention_every);
    retention_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
        if (ec) return;
        if (auto self = weak.lock()) self->do_retention();
    });
}

int hub::queue_position(const std::string& conversation_id) {
    conversation_filter f;
    f.status = conversation_status::queued;
    f.limit = 1000;
    const auto queued = db_->list_conversations(f);
    for (std::size_t i = 0; i < queued.size(); ++i)
        if (queued[i].id == conversation_id) return static_cast<int>(i + 1);
    return 0;
}

std::string hub::agent_name(const std::string& agent_id) {
    if (agent_id.empty()) return {};
    {
        std::lock_guard lock(names_mutex_);
        auto it = agent_names_.find(agent_id);
        if (it != agent_names_.end()) return it->second;
    }
    auto a = db_->find_agent(agent_id);
    std::string name = a ? a->name : std::string();
    std::lock_guard lock(names_mutex_);
    agent_names_[agent_id] = name;
    return name;
}

json hub::queue_frame() {
    json list = json::array();
    const auto now = now_ms();
    for (auto status : {conversation_status::queued, conversation_status::agent}) {
        conversation_filter f;
        f.status = status;
        f.limit = 500;
        for (const auto& c : db_->list_conversations(f)) {
            json item{{"id", c.id},
                      {"status", status_name(c.status)},
                      {"agent_id", c.agent_id},
                      {"agent_name", agent_name(c.agent_id)},
                      {"queued_at", c.queued_at},
                      {"waiting_ms", c.queued_at > 0 ? now - c.queued_at : 0},
                      {"handoff_reason", c.handoff_reason},
                      {"intent", c.intent},
                      {"sentiment", c.sentiment},
                      {"locale", c.locale},
                      {"email", c.email},
                      {"name", c.name},
                      {"last_text", ""},
                      {"last_author", ""}};
            // The newest shopper-visible line, so agents see what is waiting.
            const auto tail = db_->messages_after(c.id, std::max<std::int64_t>(0, c.last_seq - 5));
            for (auto it = tail.rbegin(); it != tail.rend(); ++it) {
                if (it->author == author_kind::shopper) {
                    item["last_text"] = it->text;
                    item["last_author"] = author_name(it->author);
                    break;
                }
            }
            list.push_back(std::move(item));
        }
    }
    return json{{"type", "queue"}, {"conversations", std::move(list)}};
}

json hub::tickets_frame() {
    json list = json::array();
    for (const auto& t : db_->list_tickets(std::nullopt, 200)) list.push_back(ticket_json(t));
    return json{{"type", "tickets"}, {"tickets", std::move(list)}};
}

message_record hub::add_system_message(const std::string& conversation_id, const std::string& text,
                                       conversation_status status) {
    new_message m;
    m.conversation_id = conversation_id;
    m.author = author_kind::system;
    m.text = text;
    m.now = now_ms();
    auto stored = db_->append_message(m).message;
    publish_message(stored, status);
    return stored;
}

hub::ticket_answer hub::answer_ticket(std::int64_t id, const std::string& text,
                                      const std::string& agent_id) {
    auto t = db_->find_ticket(id);
    if (!t) return ticket_answer::not_found;
    const auto now = now_ms();
    if (!db_->answer_ticket(id, text, agent_id, now)) return ticket_answer::not_open;
    if (!t->conversation_id.empty()) {
        new_message m;
        m.conversation_id = t->conversation_id;
        m.author = author_kind::agent;
        m.agent_id = agent_id;
        m.text = text;
        m.payload = dump(json{{"kind", "ticket_answer"}, {"ticket_id", id}});
        m.now = now;
        const auto stored = db_->append_message(m);
        auto c = db_->find_conversation(t->conversation_id);
        publish_message(stored.message, c ? c->status : conversation_status::bot);
    }
    publish(json{{"e", "ticket"}, {"c", t->conversation_id}, {"id", id}});
    wake_webhooks();  // the store wrote the event with the change
    return ticket_answer::answered;
}

std::optional<ticket_record> hub::open_ticket(const conversation_record& c,
                                              const std::string& email,
                                              const std::string& message) {
    const auto current = shop();
    ticket_record t;
    t.conversation_id = c.id;
    t.user_id = c.user_id;
    t.email = email;
    t.message = message;
    t.status = ticket_status::open;
    t.created_at = now_ms();
    t.due_at = sla_due(current->cfg().hours, std::chrono::system_clock::now(),
                       std::chrono::minutes(current->cfg().ticket_sla_minutes));
    auto stored = db_->create_ticket(t);
    publish(json{{"e", "ticket"}, {"c", c.id}, {"id", stored.id}});
    wake_webhooks();  // the store wrote the event with the change
    return stored;
}

void hub::wake_webhooks() {
    if (webhooks_ && !shop()->cfg().integrations.webhooks.empty()) webhooks_->wake();
}

void hub::sync_webhook_receivers() {
    std::vector<store::webhook_receiver> receivers;
    for (const auto& hook : shop()->cfg().integrations.webhooks)
        receivers.push_back({expand_url(hook.url, {}, self_url_), hook.events});
    db_->set_webhook_receivers(std::move(receivers));
}

}  // namespace parley::server
