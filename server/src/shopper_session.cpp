#include "shopper_session.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include "auth.hpp"
#include "flow_actions.hpp"
#include "frames.hpp"
#include "parley/json.hpp"
#include "parley/pii.hpp"
#include "parley/utf8.hpp"

namespace parley::server {

namespace net = boost::asio;
namespace http = beast::http;
using nlohmann::json;

namespace {

parley::session load_dialog(const conversation_record& c) {
    if (c.dialog_state.empty()) {
        parley::session s;
        parley::language_from_code(c.locale, s.lang);
        return s;
    }
    try {
        return parley::session::from_json(c.dialog_state);
    } catch (const std::exception&) {
        return parley::session{};  // a state from an older format: start the dialog afresh
    }
}

// The reply as stored and shown: the action's slot values are PII originals
// (an email, an order number) and stay out of the transcript.
std::string stored_payload(const parley::reply& r) {
    return r.to_json(true);
}

// A flow action reported by the in-page core: it must name a flow of this
// shop that emits exactly this action, with short string slot values.
parley::flow_action read_local_action(const json& a, const parley::config& cfg) {
    if (!a.is_object()) throw frame_error("bad_frame", "'local_reply.action' must be an object");
    check_fields(a, {"name", "flow_id", "params"});
    parley::flow_action out;
    out.name = require_string(a, "name", 64);
    out.flow_id = require_string(a, "flow_id", 128);
    const auto* flow = cfg.find_flow(out.flow_id);
    if (!flow || flow->action != out.name || !known_flow_action(out.name))
        throw frame_error("bad_frame", "'local_reply.action' does not match a flow of this shop");
    if (!a.contains("params") || !a["params"].is_object() || a["params"].size() > 16)
        throw frame_error("bad_frame", "'local_reply.action.params' must be an object of strings");
    for (const auto& [k, v] : a["params"].items()) {
        if (!v.is_string() || k.size() > 64 || v.get_ref<const std::string&>().size() > 1000)
            throw frame_error("bad_frame",
                              "'local_reply.action.params' must be an object of short strings");
        out.params[k] = utf8::sanitize(v.get<std::string>());
    }
    for (const auto& slot : flow->slots)
        if (out.params[slot.name].empty())
            throw frame_error("bad_frame",
                              "'local_reply.action.params." + slot.name + "' is missing");
    return out;
}

void check_local_reply(const json& lr) {
    if (!lr.is_object()) throw frame_error("bad_frame", "'local_reply' must be an object");
    check_fields(lr, {"text", "kind", "item_id", "confidence", "handoff", "dialog_state",
                      "quick_replies", "action", "second_opinion"});
    if (lr.contains("second_opinion") && !lr["second_opinion"].is_boolean())
        throw frame_error("bad_frame", "'local_reply.second_opinion' must be true or false");
}

// What this server can add to a turn the page's core could not answer
// (PROTOCOL.md, welcome.second_opinion): a large model to re-rank with, or
// the student for a page answering with BM25 alone. Null when nothing: its
// answer would be the page's own (the same core).
json second_opinion_offer(hub& h, const shop_runtime& shop) {
    const bool student = h.embeds_messages(shop.engine);
    const bool large = h.rerank() != nullptr;
    if (!student && !large) return nullptr;
    return {{"student", student}, {"large_model", large}};
}

}  // namespace

shopper_session::shopper_session(net::ip::tcp::socket&& socket, std::shared_ptr<hub> h,
                                 std::string ip)
    : ws_(std::move(socket)), hub_(std::move(h)), ip_(std::move(ip)) {
    ++hub_->shopper_sockets;
}

shopper_session::~shopper_session() {
    --hub_->shopper_sockets;
    if (!conversation_id_.empty()) hub_->leave(this, conversation_id_);
}

void shopper_session::run(http::request<http::string_body> req) {
    configure_websocket(ws_);
    ws_.async_accept(req,
                     beast::bind_front_handler(&shopper_session::on_accept, shared_from_this()));
}

void shopper_session::on_accept(beast::error_code ec) {
    if (ec) return;
    do_read();
}

void shopper_session::do_read() {
    ws_.async_read(buffer_,
                   beast::bind_front_handler(&shopper_session::on_read, shared_from_this()));
}

void shopper_session::on_read(beast::error_code ec, std::size_t) {
    if (ec) return;  // closed, dropped, too big (1009) or invalid UTF-8 (1007): Beast closed it
    const auto data = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    handle_frame(data);
    if (buffer_.capacity() > 16 * 1024) buffer_.shrink_to_fit();  // idle sockets stay small
    if (closing_) return;
    if (turn_pending_) return;  // the turn resumes reading when it commits
    // Backpressure: each message queues several frames (ack, echo, reply); a
    // client that sends faster than it reads waits until its frames drain,
    // so overload saturates instead of piling up in memory.
    if (queue_.size() > pause_reading_above) {
        read_paused_ = true;
        return;
    }
    do_read();
}

void shopper_session::handle_frame(std::string_view data) {
    std::string type;
    std::string ref;  // what the error frame refers to: the client_id, else the type
    try {
        const json f = parse_frame(data);
        type = f["type"].get<std::string>();
        ref = type;
        if (auto it = f.find("client_id");
            it != f.end() && it->is_string() && it->get_ref<const std::string&>().size() <= 64)
            ref = it->get<std::string>();
        if (type == "ping") {
            send(json{{"type", "pong"}});
            return;
        }
        if (type == "hello") return handle_hello(f);
        if (!hello_done_) throw frame_error("bad_frame", "send hello first");
        if (type == "message") return handle_message(f);
        if (type == "typing") {
            check_fields(f, {"type", "on"});
            if (!f.contains("on") || !f["on"].is_boolean())
                throw frame_error("bad_frame", "'on' must be true or false");
            hub_->publish(
                json{{"e", "typing"}, {"c", conversation_id_}, {"a", "shopper"}, {"on", f["on"]}});
            return;
        }
        if (type == "read") {
            check_fields(f, {"type", "id"});
            const auto id = require_int(f, "id", 1, std::numeric_limits<std::int64_t>::max());
            hub_->publish(
                json{{"e", "read"}, {"c", conversation_id_}, {"a", "shopper"}, {"id", id}});
            return;
        }
        if (type == "csat") return handle_csat(f);
        if (type == "ticket") return handle_ticket(f);
        throw frame_error("unknown_type", "unknown frame type '" + type + "'");
    } catch (const frame_error& e) {
        hub_->metrics()
            .counter("parley_protocol_errors_total", "Refused frames", {{"code", e.code}})
            .inc();
        send(error_frame(e.code, e.what(), ref));
        if (!errors_.spend()) {
            closing_ = true;
            ws_.async_close(websocket::close_code::policy_error,
                            [self = shared_from_this()](beast::error_code) {});
        }
    } catch (const std::exception& e) {
        hub_->log().error("shopper_frame_failed", {{"error", e.what()}, {"type", type}});
        send(error_frame("internal", "the server could not handle this frame; try again", ref));
    }
}

void shopper_session::handle_hello(const json& f) {
    if (hello_done_) throw frame_error("bad_frame", "hello was already sent on this socket");
    check_fields(f, {"type", "token", "last_id", "locale", "user", "mode"});
    const auto token = optional_string(f, "token", 128);
    const std::int64_t last_id =
        f.contains("last_id")
            ? require_int(f, "last_id", 0, std::numeric_limits<std::int64_t>::max())
            : 0;
    std::string locale = optional_string(f, "locale", 8).value_or("");
    if (!locale.empty() && locale != "en" && locale != "zh")
        throw frame_error("bad_frame", "'locale' must be \"en\" or \"zh\"");
    const std::string mode = optional_string(f, "mode", 16).value_or("server");
    if (mode != "server" && mode != "local")
        throw frame_error("bad_frame", "'mode' must be \"server\" or \"local\"");

    const auto shop = hub_->shop();
    const auto& cfg = shop->cfg();
    if (locale.empty()) locale = std::string(parley::language_code(cfg.shop.locale));

    std::string user_id, email, name;
    if (f.contains("user") && !f["user"].is_null()) {
        const json& u = f["user"];
        if (!u.is_object()) throw frame_error("bad_frame", "'user' must be an object");
        check_fields(u, {"id", "email", "name", "hash"});
        user_id = require_string(u, "id", 128);
        const std::string hash = require_string(u, "hash", 128);
        email = optional_string(u, "email", 254).value_or("");
        name = utf8::sanitize(optional_string(u, "name", 128).value_or(""));
        if (cfg.identity_secret.empty())
            throw frame_error("not_allowed", "this shop does not verify shopper identities");
        if (!verify_user_hash(cfg.identity_secret, user_id, hash))
            throw frame_error("not_allowed", "the user hash does not match the user id");
    }

    auto& db = hub_->db();
    const auto now = now_ms();
    std::optional<conversation_record> c;
    std::optional<std::string> reply_token;
    if (token && !token->empty()) {
        c = db.find_conversation_by_token(sha256_hex(*token));
        if (c && !c->user_id.empty() && c->user_id != user_id)
            throw frame_error("not_allowed", "this conversation belongs to a signed-in shopper");
        if (c) {
            reply_token = *token;
            if (!user_id.empty() && c->user_id.empty()) {
                // identify() after chatting anonymously: the conversation becomes the user's.
                db.set_identity(c->id, user_id, email, name, now);
                c->user_id = user_id;
            }
        }
    }
    if (!c && !user_id.empty()) {
        auto mine = db.conversations_for_user(user_id);
        if (!mine.empty()) c = mine.front();
    }
    bool fresh = false;
    if (!c) {
        const std::string new_token = random_token(32);
        parley::session dialog;
        parley::language_from_code(locale, dialog.lang);
        new_conversation nc;
        nc.token_hash = sha256_hex(new_token);
        nc.user_id = user_id;
        nc.email = email;
        nc.name = name;
        nc.locale = locale;
        nc.now = now;
        const parley::reply greeting = shop->engine.greet(dialog);
        nc.dialog_state = dialog.to_json();
        c = db.create_conversation(nc);
        new_message m;
        m.conversation_id = c->id;
        m.author = author_kind::bot;
        m.text = greeting.text;
        m.payload = stored_payload(greeting);
        m.now = now;
        db.append_message(m);
        c = db.find_conversation(c->id);
        reply_token = new_token;
        fresh = true;
        hub_->metrics().counter("parley_conversations_total", "Conversations started").inc();
        hub_->publish(json{{"e", "started"}, {"c", c->id}});
        hub_->wake_webhooks();  // the store wrote the event with the change
    }
    hello_done_ = true;
    local_mode_ = mode == "local";
    conversation_id_ = c->id;
    hub_->join(shared_from_this(), conversation_id_);

    json welcome{{"type", "welcome"},
                 {"token", reply_token ? json(*reply_token) : json(nullptr)},
                 {"conversation_id", c->id},
                 {"status", status_name(c->status)},
                 {"last_id", c->last_seq},
                 {"agent", nullptr},
                 {"business_open", hub_->business_open()},
                 {"agents_online", hub_->agents_online()},
                 {"new", fresh}};
    if (!c->agent_id.empty()) welcome["agent"] = {{"name", hub_->agent_name(c->agent_id)}};
    // The page's core may hand this server the turns it cannot answer.
    if (local_mode_)
        if (auto offer = second_opinion_offer(*hub_, *shop); !offer.is_null())
            welcome["second_opinion"] = std::move(offer);
    send(welcome);
    last_sent_ = last_id;
    send_missing(c->last_seq);
    if (c->status == conversation_status::queued) send_status(*c);
    if (c->status == conversation_status::closed && c->csat_score == 0)
        send(json{{"type", "csat_request"}});
}

void shopper_session::send_missing(std::int64_t up_to) {
    while (last_sent_ < up_to) {
        const auto batch = hub_->db().messages_after(conversation_id_, last_sent_, 500);
        if (batch.empty()) break;
        for (const auto& m : batch) send_message(m);
    }
}

void shopper_session::send_ack(const message_record& m, const std::string* dialog_state) {
    // The stored (PII-masked) text and time ride along: the sender's copy
    // becomes what was stored, without the echo a second frame would be.
    // Written directly (keys in the order nlohmann's map gave them): one per
    // message, and building a json object for it cost a dozen allocations.
    parley::json::writer w;
    w.begin_object().key("client_id").string(m.client_id);
    if (dialog_state) w.key("dialog_state").string(*dialog_state);
    w.key("id")
        .integer(m.seq)
        .key("text")
        .string(m.text)
        .key("ts")
        .integer(m.created_at)
        .key("type")
        .string("ack")
        .end_object();
    send_shared(std::make_shared<const std::string>(w.take()));
    if (m.seq > last_sent_) acked_own_.insert(m.seq);
}

void shopper_session::send_message(const message_record& m) {
    if (m.seq <= last_sent_) return;
    last_sent_ = m.seq;
    // Messages go out in seq order: an own seq below this one will not come.
    while (!acked_own_.empty() && *acked_own_.begin() < m.seq) acked_own_.erase(acked_own_.begin());
    if (acked_own_.erase(m.seq) != 0) return;   // the ack said it all
    if (m.author == author_kind::note) return;  // internal notes never reach shoppers
    send_shared(std::make_shared<const std::string>(shopper_message_frame(
        m, m.author == author_kind::agent ? hub_->agent_name(m.agent_id) : std::string())));
}

void shopper_session::send_status(const conversation_record& c) {
    json s{{"type", "status"},
           {"status", status_name(c.status)},
           {"position", c.status == conversation_status::queued ? hub_->queue_position(c.id) : 0},
           {"agent", nullptr},
           {"reason", c.handoff_reason}};
    if (!c.agent_id.empty()) s["agent"] = {{"name", hub_->agent_name(c.agent_id)}};
    send(s);
}

void shopper_session::handle_message(const json& f) {
    check_fields(f, {"type", "client_id", "text", "local_reply"});
    const std::string client_id = require_string(f, "client_id", 64);
    const std::string text = require_text(f);
    if (f.contains("local_reply") && !local_mode_)
        throw frame_error("bad_frame", "'local_reply' needs mode \"local\" in hello");
    if (!hub_->allow_message(conversation_id_))
        throw frame_error("rate_limited", "too many messages; wait a few seconds");

    auto& db = hub_->db();
    const auto shop = hub_->shop();
    hub_->flush_turns_of(conversation_id_);  // another socket's turn of it may be waiting
    auto c = db.find_conversation(conversation_id_);
    if (!c) throw frame_error("not_found", "this conversation was deleted");
    const auto now = now_ms();

    new_message m;
    m.conversation_id = c->id;
    m.client_id = client_id;
    m.author = author_kind::shopper;
    m.text = parley::mask_pii(text, shop->cfg().pii).masked;
    m.now = now;

    second_opinion_turn_ = false;
    ack_dialog_state_.reset();
    if (c->status == conversation_status::bot) {
        // The common case: the shopper's message, the bot's reply and the
        // dialog state are committed together, then acknowledged.
        if (!local_mode_) {
            bot_turn(*c, &m, text);
        } else if (wants_second_opinion(f)) {
            // The page's core fell back: the server answers as in server
            // mode (its student, then the large model's re-rank).
            second_opinion_turn_ = true;
            hub_->metrics()
                .counter("parley_second_opinions_total",
                         "Turns the page's core handed to the server to answer")
                .inc();
            bot_turn(*c, &m, text);
        } else {
            local_turn(*c, &m, f.value("local_reply", json::object()));
        }
        return;
    }
    const auto stored = db.append_message(m);
    send_ack(stored.message);
    if (stored.duplicate) return;  // a retry: stored once, answered once
    count_message(author_kind::shopper);
    if (c->status != conversation_status::closed) {
        hub_->publish_message(stored.message, c->status);
        return;  // for the agent; the bot stays quiet
    }
    // Writing after a close starts a fresh bot turn in the same conversation.
    db.reopen(c->id, now);
    c->status = conversation_status::bot;
    auto dialog = load_dialog(*c);
    dialog.handed_off = false;
    dialog.handoff = parley::handoff_reason::none;
    dialog.flow.reset();
    c->dialog_state = dialog.to_json();
    hub_->publish(json{{"e", "status"}, {"c", c->id}, {"st", "bot"}});
    hub_->publish_message(stored.message, c->status);
    if (local_mode_)
        local_turn(*c, nullptr, f.value("local_reply", json::object()));
    else
        bot_turn(*c, nullptr, text);
}

void shopper_session::count_message(author_kind author) {
    hub_->messages_stored(author).inc();
}

void shopper_session::commit_turn(const conversation_record& c, const new_message* shopper,
                                  std::vector<new_message> replies, store::dialog_update dialog,
                                  turn_stored then) {
    if (!shopper) {
        // The first message after a close, stored and acknowledged already.
        auto& db = hub_->db();
        std::vector<message_record> stored;
        for (const auto& m : replies) stored.push_back(db.append_message(m).message);
        db.save_dialog(c.id, dialog.state, dialog.intent, dialog.sentiment, now_ms());
        for (const auto& m : stored) {
            hub_->publish_message(m, conversation_status::bot);
            count_message(author_kind::bot);
        }
        then(stored);
        return;
    }
    // Group commit: the ack goes out once the batch holding this turn is
    // committed; until then this socket reads no further frame (turns stay
    // in order).
    turn_pending_ = true;
    hub_->commit_turn(
        {*shopper, std::move(replies), std::move(dialog)}, ws_.get_executor(),
        [self = shared_from_this(), then = std::move(then),
         ref = shopper->client_id](store::turn_outcome out) {
            self->turn_pending_ = false;
            try {
                if (out.error) std::rethrow_exception(out.error);
                self->on_turn_stored(out.result, then);
            } catch (const std::exception& e) {
                self->hub_->log().error("shopper_frame_failed",
                                        {{"error", e.what()}, {"type", "message"}});
                self->send(error_frame("internal",
                                       "the server could not handle this frame; try again", ref));
            }
            if (!self->turn_pending_) self->resume_reading();
        });
}

void shopper_session::on_turn_stored(const store::turn_result& turn, const turn_stored& then) {
    const auto& own = turn.shopper.message;
    // This socket's copy of the reply goes out right behind the ack, both in
    // one TCP segment (corked until the queue drains), instead of coming back
    // through the hub a hop later and leaving in a segment of its own: one
    // transmit and one wake-up of the client less per turn. Only when this
    // socket has sent everything before the turn; else the hub's events fill
    // the gap from the store first.
    const bool direct =
        !turn.shopper.duplicate && !turn.replies.empty() && own.seq == last_sent_ + 1;
    if (direct) cork();
    second_opinion_turn_ = false;
    const auto state = std::exchange(ack_dialog_state_, std::nullopt);
    // A retry's ack says nothing of state: this answer was not stored.
    send_ack(own, state && !turn.shopper.duplicate ? &*state : nullptr);
    if (turn.shopper.duplicate) return;  // a retry: stored once, answered once
    if (direct)
        for (const auto& m : turn.replies) send_message(m);
    const shopper_session* sent_by = direct ? this : nullptr;
    count_message(author_kind::shopper);
    hub_->publish_message(own, conversation_status::bot, sent_by);
    for (const auto& m : turn.replies) {
        hub_->publish_message(m, conversation_status::bot, sent_by);
        count_message(author_kind::bot);
    }
    then(turn.replies);
}

void shopper_session::cork() {
#ifdef TCP_CORK
    if (corked_) return;
    const int on = 1;
    auto& socket = beast::get_lowest_layer(ws_).socket();
    corked_ = ::setsockopt(socket.native_handle(), IPPROTO_TCP, TCP_CORK, &on, sizeof on) == 0;
#endif
}

void shopper_session::uncork() {
#ifdef TCP_CORK
    if (!corked_) return;
    corked_ = false;
    const int off = 0;
    auto& socket = beast::get_lowest_layer(ws_).socket();
    ::setsockopt(socket.native_handle(), IPPROTO_TCP, TCP_CORK, &off, sizeof off);
#endif
}

void shopper_session::bot_turn(const conversation_record& c, const new_message* shopper,
                               const std::string& text) {
    const auto started = std::chrono::steady_clock::now();
    auto shop = hub_->shop();
    if (!hub_->embeds_messages(shop->engine)) {
        answer_turn(c, shopper, text, shop, {}, started);
        return;
    }
    // The embedding runs on the hub's inference threads; this socket reads
    // no further frame until the turn is committed, so turns stay in order.
    turn_pending_ = true;
    hub_->embed_message_async(
        shop, text, ws_.get_executor(),
        [self = shared_from_this(), c, shopper = shopper ? std::optional(*shopper) : std::nullopt,
         text, shop, started](message_vector vec) {
            self->turn_pending_ = false;
            try {
                self->answer_turn(c, shopper ? &*shopper : nullptr, text, shop, vec, started);
            } catch (const std::exception& ex) {
                self->hub_->log().error("shopper_frame_failed",
                                        {{"error", ex.what()}, {"type", "message"}});
                self->send(error_frame("internal",
                                       "the server could not handle this frame; try again",
                                       shopper ? shopper->client_id : std::string("message")));
            }
            if (!self->turn_pending_) self->resume_reading();  // else a re-rank resumes it
        });
}

void shopper_session::answer_turn(const conversation_record& c, const new_message* shopper,
                                  const std::string& text,
                                  const std::shared_ptr<const shop_runtime>& shop,
                                  const message_vector& vec,
                                  std::chrono::steady_clock::time_point started) {
    auto dialog = load_dialog(c);
    if (dialog.handed_off) {
        // Handed off while nobody could take it: the bot carries on.
        dialog.handed_off = false;
        dialog.handoff = parley::handoff_reason::none;
    }
    const parley::session before = dialog;
    const parley::reply r = shop->engine.respond(dialog, text, vec.embedding, vec.frustration);
    if (start_rerank(c, shopper, text, before, dialog, r, shop, vec, started)) return;
    finish_bot_turn(c, shopper, dialog, r, shop, started);
}

bool shopper_session::start_rerank(const conversation_record& c, const new_message* shopper,
                                   const std::string& text, const parley::session& before,
                                   const parley::session& dialog, const parley::reply& r,
                                   const std::shared_ptr<const shop_runtime>& shop,
                                   const message_vector& vec,
                                   std::chrono::steady_clock::time_point started) {
    auto* rr = hub_->rerank();
    if (!rr || !reranker::wants(r)) return false;
    auto large = rr->engine_for(shop);
    if (!large) {
        rr->count_not_ready();  // documents still being embedded, or the server is down
        return false;
    }
    // Everything the continuation needs, by value: the frame that carried the
    // message is gone when the large model answers.
    struct pending {
        conversation_record c;
        std::optional<new_message> shopper;
        std::string text;
        parley::session before, dialog;
        parley::reply r;
        std::shared_ptr<const shop_runtime> shop;
        std::shared_ptr<const parley::dialog_engine> large;
        std::vector<float> student_embedding;  // joined with the large model's
        float frustration;
        std::chrono::steady_clock::time_point started;
    };
    auto p = std::make_shared<pending>(
        pending{c, shopper ? std::optional<new_message>(*shopper) : std::nullopt, text, before,
                dialog, r, shop, std::move(large),
                shop->student_documents.empty() ? std::vector<float>{} : vec.embedding,
                vec.frustration, started});
    turn_pending_ = true;
    rr->embed_message(
        ws_.get_executor(), shop->engine.analysis_text(text),
        [self = shared_from_this(), p, rr](embeddings_result e) {
            const std::string ref = p->shopper ? p->shopper->client_id : std::string("message");
            try {
                if (e.ok()) {
                    parley::session again = p->before;
                    const auto query = rerank_query(
                        p->student_embedding, std::move(e.vectors.front()), rr->settings().weight);
                    parley::reply second = p->large->respond(again, p->text, query, p->frustration);
                    if (reranker::prefer(p->r, second,
                                         p->shop->cfg().handoff.confidence_threshold)) {
                        rr->count_kept();
                        p->r = std::move(second);
                        p->dialog = std::move(again);
                    }
                }
                self->turn_pending_ = false;  // the commit sets it again
                self->finish_bot_turn(p->c, p->shopper ? &*p->shopper : nullptr, p->dialog, p->r,
                                      p->shop, p->started);
            } catch (const std::exception& ex) {
                self->turn_pending_ = false;
                self->hub_->log().error("shopper_frame_failed",
                                        {{"error", ex.what()}, {"type", "message"}});
                self->send(error_frame("internal",
                                       "the server could not handle this frame; try again", ref));
            }
            if (!self->turn_pending_) self->resume_reading();
        });
    return true;
}

void shopper_session::resume_reading() {
    if (closing_) return;
    if (queue_.size() > pause_reading_above) {
        read_paused_ = true;  // on_write resumes once the client catches up
        return;
    }
    do_read();
}

void shopper_session::finish_bot_turn(const conversation_record& c, const new_message* shopper,
                                      parley::session& dialog, const parley::reply& r,
                                      const std::shared_ptr<const shop_runtime>& shop,
                                      std::chrono::steady_clock::time_point started) {
    std::vector<new_message> replies;
    if (r.kind != parley::reply_kind::relay && !r.text.empty()) {
        new_message m;
        m.conversation_id = c.id;
        m.author = author_kind::bot;
        m.text = r.text;
        m.payload = stored_payload(r);
        m.now = shopper ? shopper->now : now_ms();
        replies.push_back(std::move(m));
    }
    // What a handoff or a flow action needs once the turn is stored; most
    // turns need neither, and copy nothing.
    struct follow_up {
        conversation_record c;
        parley::session dialog;
        parley::reply_kind kind;
        parley::handoff_reason handoff;
        std::optional<parley::flow_action> action;
        std::shared_ptr<const shop_runtime> shop;
    };
    std::shared_ptr<const follow_up> next;
    if (r.kind == parley::reply_kind::handoff || (r.kind == parley::reply_kind::action && r.action))
        next = std::make_shared<const follow_up>(
            follow_up{c, dialog, r.kind, r.handoff, r.action, shop});
    auto state = dialog.to_json();
    if (second_opinion_turn_) ack_dialog_state_ = state;
    commit_turn(
        c, shopper, std::move(replies),
        {std::move(state), dialog.last_item, r.sentiment.frustration},
        [this, kind = r.kind, next, started](const std::vector<message_record>&) {
            hub_->metrics()
                .counter("parley_bot_replies_total", "Bot replies by kind",
                         {{"kind", std::string(parley::reply_kind_name(kind))}})
                .inc();
            hub_->bot_reply_seconds().observe(
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
            if (!next) return;
            if (next->kind == parley::reply_kind::handoff)
                hand_off(next->c, next->dialog,
                         std::string(parley::handoff_reason_name(next->handoff)), *next->shop);
            if (next->kind == parley::reply_kind::action && next->action)
                start_action(next->c, next->action->name, next->action->flow_id,
                             next->action->params, next->dialog.lang);
        });
}

void shopper_session::start_action(const conversation_record& c, const std::string& name,
                                   const std::string& flow_id,
                                   std::map<std::string, std::string> params,
                                   parley::language lang) {
    flow_action_request req;
    req.conversation_id = c.id;
    req.user_id = c.user_id;
    req.action = name;
    req.flow_id = flow_id;
    req.params = std::move(params);
    req.lang = lang;
    start_flow_action(hub_, std::move(req));
}

bool shopper_session::wants_second_opinion(const json& message) const {
    const auto it = message.find("local_reply");
    if (it == message.end()) return false;
    check_local_reply(*it);
    // Where the server has nothing to add, the page's reply is stored as sent.
    return it->value("second_opinion", false) &&
           !second_opinion_offer(*hub_, *hub_->shop()).is_null();
}

void shopper_session::local_turn(const conversation_record& c, const new_message* shopper,
                                 const json& lr) {
    check_local_reply(lr);
    const auto shop = hub_->shop();
    const std::string text =
        utf8::sanitize(optional_string(lr, "text", max_text_bytes).value_or(""));
    const std::string kind = optional_string(lr, "kind", 32).value_or("answer");
    const std::string handoff = optional_string(lr, "handoff", 32).value_or("none");
    parley::handoff_reason reason = parley::handoff_reason::none;
    if (!parley::handoff_reason_from_name(handoff, reason))
        throw frame_error("bad_frame", "'handoff' is not a known handoff reason");
    parley::session dialog = load_dialog(c);
    if (auto state = optional_string(lr, "dialog_state", max_frame_bytes)) {
        try {
            dialog = parley::session::from_json(*state);
        } catch (const std::exception& e) {
            throw frame_error("bad_frame", std::string("'dialog_state': ") + e.what());
        }
    }
    std::vector<new_message> replies;
    if (!text.empty()) {
        json payload{{"kind", kind},
                     {"item_id", optional_string(lr, "item_id", 128).value_or("")},
                     {"confidence", lr.value("confidence", 0.0)},
                     {"handoff", handoff},
                     {"source", "browser"}};
        if (lr.contains("quick_replies") && lr["quick_replies"].is_array())
            payload["quick_replies"] = lr["quick_replies"];
        new_message m;
        m.conversation_id = c.id;
        m.author = author_kind::bot;
        m.text = text;
        m.payload = dump(payload);
        m.now = shopper ? shopper->now : now_ms();
        replies.push_back(std::move(m));
    }
    // The in-page core finished a flow: the server does the part in the shop's
    // system. Validated here (the browser is not trusted); the slot values are
    // used for the call and never stored.
    std::optional<parley::flow_action> action;
    if (lr.contains("action") && !lr["action"].is_null())
        action = read_local_action(lr["action"], shop->cfg());
    auto state = dialog.to_json();
    auto intent = dialog.last_item;
    const double frustration = dialog.last_frustration;
    commit_turn(c, shopper, std::move(replies), {std::move(state), std::move(intent), frustration},
                [this, c, dialog = std::move(dialog), reason, handoff, action = std::move(action),
                 shop](const std::vector<message_record>&) {
                    if (reason != parley::handoff_reason::none) hand_off(c, dialog, handoff, *shop);
                    if (action)
                        start_action(c, action->name, action->flow_id, action->params, dialog.lang);
                });
}

void shopper_session::hand_off(const conversation_record& c, parley::session dialog,
                               const std::string& reason, const shop_runtime& shop) {
    auto& db = hub_->db();
    const auto now = now_ms();
    const bool open = hub_->business_open();
    const int online = hub_->agents_online();
    hub_->metrics()
        .counter("parley_handoffs_total", "Handoffs by reason", {{"reason", reason}})
        .inc();
    if (open && online > 0) {
        if (db.enqueue(c.id, reason, now)) {
            hub_->publish(json{{"e", "status"}, {"c", c.id}, {"st", "queued"}});
            hub_->wake_webhooks();  // the store wrote the event with the change
        }
        return;
    }
    // Nobody can take it now: the bot keeps the conversation and offers the
    // offline form (email + message → ticket).
    dialog.handed_off = false;
    dialog.handoff = parley::handoff_reason::none;
    db.save_dialog(c.id, dialog.to_json(), dialog.last_item, dialog.last_frustration, now);
    new_message m;
    m.conversation_id = c.id;
    m.author = author_kind::bot;
    m.text = shop.cfg().message("offline", dialog.lang);
    m.payload = dump(json{{"kind", "offline"}, {"handoff", reason}});
    m.now = now;
    const auto stored = db.append_message(m);
    hub_->publish_message(stored.message, conversation_status::bot);
    send(json{{"type", "offline"}, {"business_open", open}, {"agents_online", online}});
}

void shopper_session::handle_csat(const json& f) {
    check_fields(f, {"type", "score", "comment"});
    const int score = static_cast<int>(require_int(f, "score", 1, 5));
    const std::string comment = utf8::sanitize(optional_string(f, "comment", 1000).value_or(""));
    auto c = hub_->db().find_conversation(conversation_id_);
    if (!c || c->status != conversation_status::closed)
        throw frame_error("not_allowed", "a rating is asked for when the conversation is closed");
    if (!hub_->db().set_csat(c->id, score, comment, now_ms()))
        throw frame_error("conflict", "this conversation was already rated");
    hub_->metrics()
        .counter("parley_csat_total", "CSAT ratings", {{"score", std::to_string(score)}})
        .inc();
    hub_->publish(json{{"e", "csat"}, {"c", c->id}, {"score", score}});
    hub_->wake_webhooks();  // the store wrote the event with the change
    send(json{{"type", "csat_ack"}, {"score", score}});
}

void shopper_session::handle_ticket(const json& f) {
    check_fields(f, {"type", "email", "message"});
    const std::string email = require_string(f, "email", 254);
    if (!parley::looks_like_email(email))
        throw frame_error("bad_frame", "'email' is not an email address");
    const std::string message = require_text(f, "message");
    auto c = hub_->db().find_conversation(conversation_id_);
    if (!c) throw frame_error("not_found", "this conversation was deleted");
    if (!hub_->allow_message(conversation_id_))
        throw frame_error("rate_limited", "too many messages; wait a few seconds");
    const auto shop = hub_->shop();
    const std::string masked = parley::mask_pii(message, shop->cfg().pii).masked;
    hub_->db().set_identity(c->id, c->user_id, email, c->name, now_ms());
    auto t = hub_->open_ticket(*c, email, masked);
    parley::language lang = parley::language::en;
    parley::language_from_code(c->locale, lang);
    new_message m;
    m.conversation_id = c->id;
    m.author = author_kind::bot;
    m.text = fill_placeholder(shop->cfg().message("ticket_created", lang), "ticket",
                              std::to_string(t->id));
    m.payload = dump(json{{"kind", "ticket"}, {"ticket_id", t->id}});
    m.now = now_ms();
    const auto stored = hub_->db().append_message(m);
    hub_->publish_message(stored.message, c->status);
}

void shopper_session::deliver(std::shared_ptr<const hub_event> ev) {
    net::post(ws_.get_executor(), [self = shared_from_this(), ev] {
        try {
            self->on_event(*ev);
        } catch (const std::exception& e) {
            self->hub_->log().error("shopper_event_failed", {{"error", e.what()}});
        }
    });
}

void shopper_session::on_event(const hub_event& ev) {
    if (!hello_done_) return;
    if (ev.kind == "resync") {
        if (auto c = hub_->db().find_conversation(conversation_id_)) send_missing(c->last_seq);
        return;
    }
    if (ev.conversation_id != conversation_id_) return;
    if (ev.kind == "msg" && ev.message) {
        if (ev.message->seq > last_sent_ + 1) send_missing(ev.message->seq - 1);  // fill a gap
        send_message(*ev.message);
    } else if (ev.kind == "typing" && ev.body.value("a", "") == "agent") {
        send(json{{"type", "typing"}, {"author", "agent"}, {"on", ev.body.value("on", false)}});
    } else if (ev.kind == "read" && ev.body.value("a", "") == "agent") {
        send(json{{"type", "read"}, {"author", "agent"}, {"id", ev.body.value("id", 0)}});
    } else if (ev.kind == "status") {
        auto c = hub_->db().find_conversation(conversation_id_);
        if (!c) return;
        send_status(*c);
        if (c->status == conversation_status::closed && c->csat_score == 0)
            send(json{{"type", "csat_request"}});
    } else if (ev.kind == "ticket") {
        if (auto t = hub_->db().find_ticket(ev.body.value("id", std::int64_t{0}))) {
            send(json{{"type", "ticket"},
                      {"id", t->id},
                      {"status", ticket_status_name(t->status)},
                      {"due_at", t->due_at},
                      {"answer", t->answer.empty() ? json(nullptr) : json(t->answer)}});
        }
    } else if (ev.kind == "deleted") {
        send(error_frame("not_found", "this conversation was deleted"));
        closing_ = true;
        ws_.async_close(websocket::close_code::normal,
                        [self = shared_from_this()](beast::error_code) {});
    }
}

void shopper_session::send(const json& frame) {
    send_shared(std::make_shared<const std::string>(dump(frame)));
}

void shopper_session::send_shared(std::shared_ptr<const std::string> frame) {
    // Callers are on the strand (handlers) or post here first.
    if (!queue_.push(std::move(frame))) {
        closing_ = true;
        beast::get_lowest_layer(ws_).close();
        return;
    }
    if (queue_.size() == 1) do_write();
}

void shopper_session::do_write() {
    ws_.text(true);
    ws_.async_write(net::buffer(*queue_.front()),
                    beast::bind_front_handler(&shopper_session::on_write, shared_from_this()));
}

void shopper_session::on_write(beast::error_code ec, std::size_t) {
    if (ec) return;
    queue_.pop();
    if (!queue_.empty())
        do_write();
    else
        uncork();  // what the turn corked leaves now, in one segment
    if (read_paused_ && !turn_pending_ && queue_.size() <= resume_reading_at && !closing_) {
        read_paused_ = false;
        do_read();
    }
}

void shopper_session::shutdown() {
    net::post(ws_.get_executor(), [self = shared_from_this()] {
        if (self->closing_) return;
        self->closing_ = true;
        self->ws_.async_close(websocket::close_code::going_away, [self](beast::error_code) {});
    });
}

}  // namespace parley::server
