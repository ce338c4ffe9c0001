#include "agent_session.hpp"

#include <boost/asio/post.hpp>

#include "frames.hpp"
#include "parley/utf8.hpp"

namespace parley::server {

namespace net = boost::asio;
namespace http = beast::http;
using nlohmann::json;

namespace {
parley::language lang_of(const conversation_record& c) {
    parley::language lang = parley::language::en;
    parley::language_from_code(c.locale, lang);
    return lang;
}
}  // namespace

agent_session::agent_session(net::ip::tcp::socket&& socket, std::shared_ptr<hub> h,
                             agent_record agent)
    : ws_(std::move(socket)), hub_(std::move(h)), agent_(std::move(agent)) {
    ++hub_->agent_sockets;
}

agent_session::~agent_session() {
    --hub_->agent_sockets;
    hub_->leave(this);
}

void agent_session::run(http::request<http::string_body> req) {
    configure_websocket(ws_);
    ws_.async_accept(req, beast::bind_front_handler(&agent_session::on_accept, shared_from_this()));
}

void agent_session::on_accept(beast::error_code ec) {
    if (ec) return;
    hub_->join(shared_from_this());
    send(json{{"type", "hello"},
              {"agent", agent_json(agent_)},
              {"agents_online", hub_->agents_online()}});
    send(hub_->queue_frame());
    send(hub_->tickets_frame());
    // Conversations this agent owns stay live across reconnects.
    conversation_filter f;
    f.status = conversation_status::agent;
    f.agent_id = agent_.id;
    for (const auto& c : hub_->db().list_conversations(f)) watching_.insert(c.id);
    do_read();
}

void agent_session::do_read() {
    ws_.async_read(buffer_, beast::bind_front_handler(&agent_session::on_read, shared_from_this()));
}

void agent_session::on_read(beast::error_code ec, std::size_t) {
    if (ec) return;
    const auto data = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    handle_frame(data);
    if (!closing_) do_read();
}

conversation_record agent_session::owned(const json& f, bool must_own) {
    const std::string id = require_string(f, "conversation_id", 64);
    auto c = hub_->db().find_conversation(id);
    if (!c) throw frame_error("not_found", "no conversation " + id);
    if (must_own && (c->status != conversation_status::agent || c->agent_id != agent_.id))
        throw frame_error("not_allowed", "only the agent who claimed the conversation may do this");
    return *c;
}

void agent_session::handle_frame(std::string_view data) {
    std::string type;
    auto& db = hub_->db();
    try {
        const json f = parse_frame(data);
        type = f["type"].get<std::string>();
        const auto now = now_ms();
        if (type == "ping") {
            send(json{{"type", "pong"}});
        } else if (type == "open") {
            check_fields(f, {"type", "conversation_id"});
            const auto c = owned(f, false);
            watching_.insert(c.id);
            json messages = json::array();
            for (const auto& m : db.messages_after(c.id, 0, 5000))
                messages.push_back(agent_message_json(m));
            json tickets = json::array();
            for (const auto& t : db.tickets_for_conversation(c.id))
                tickets.push_back(ticket_json(t));
            send(json{{"type", "transcript"},
                      {"conversation_id", c.id},
                      {"conversation", conversation_json(c)},
                      {"messages", std::move(messages)},
                      {"tickets", std::move(tickets)}});
        } else if (type == "claim") {
            check_fields(f, {"type", "conversation_id"});
            const auto c = owned(f, false);
            if (!db.claim(c.id, agent_.id, now))
                throw frame_error("conflict", "another agent claimed this conversation first");
            watching_.insert(c.id);
            send(json{{"type", "claimed"}, {"conversation_id", c.id}, {"agent_id", agent_.id}});
            hub_->add_system_message(
                c.id,
                fill_placeholder(hub_->shop()->cfg().message("agent_joined", lang_of(c)), "agent",
                                 agent_.name),
                conversation_status::agent);
            hub_->publish(
                json{{"e", "status"}, {"c", c.id}, {"st", "agent"}, {"agent_id", agent_.id}});
            hub_->metrics().counter("parley_claims_total", "Conversations claimed by agents").inc();
        } else if (type == "reply" || type == "note") {
            check_fields(f, {"type", "conversation_id", "client_id", "text"});
            const auto c = owned(f, type == "reply");
            const std::string client_id = require_string(f, "client_id", 64);
            new_message m;
            m.conversation_id = c.id;
            m.client_id = client_id;
            m.author = type == "reply" ? author_kind::agent : author_kind::note;
            m.agent_id = agent_.id;
            m.text = require_text(f);
            m.now = now;
            const auto stored = db.append_message(m);
            watching_.insert(c.id);
            send(json{{"type", "ack"}, {"client_id", client_id}, {"id", stored.message.seq}});
            if (!stored.duplicate) {
                hub_->publish_message(stored.message, c.status);
                hub_->messages_stored(m.author).inc();
            }
        } else if (type == "typing") {
            check_fields(f, {"type", "conversation_id", "on"});
            const auto c = owned(f, true);
            if (!f.contains("on") || !f["on"].is_boolean())
                throw frame_error("bad_frame", "'on' must be true or false");
            hub_->publish(json{{"e", "typing"}, {"c", c.id}, {"a", "agent"}, {"on", f["on"]}});
        } else if (type == "read") {
            check_fields(f, {"type", "conversation_id", "id"});
            const auto c = owned(f, true);
            const auto id = require_int(f, "id", 1, std::numeric_limits<std::int64_t>::max());
            hub_->publish(json{{"e", "read"}, {"c", c.id}, {"a", "agent"}, {"id", id}});
        } else if (type == "transfer") {
            check_fields(f, {"type", "conversation_id", "agent_email"});
            const auto c = owned(f, true);
            const auto to = db.find_agent_by_email(require_string(f, "agent_email", 254));
            if (!to) throw frame_error("not_found", "no agent with that email");
            if (to->id == agent_.id) throw frame_error("bad_frame", "you already own it");
            if (!db.transfer(c.id, agent_.id, to->id, now))
                throw frame_error("conflict", "the conversation changed hands meanwhile");
            watching_.erase(c.id);
            hub_->add_system_message(
                c.id,
                fill_placeholder(hub_->shop()->cfg().message("agent_joined", lang_of(c)), "agent",
                                 to->name),
                conversation_status::agent);
            hub_->publish(
                json{{"e", "status"}, {"c", c.id}, {"st", "agent"}, {"agent_id", to->id}});
            send(json{{"type", "transferred"}, {"conversation_id", c.id}, {"agent_id", to->id}});
        } else if (type == "close") {
            check_fields(f, {"type", "conversation_id"});
            const auto c = owned(f, true);
            if (!db.close(c.id, now)) throw frame_error("conflict", "already closed");
            hub_->add_system_message(c.id,
                                     hub_->shop()->cfg().message("conversation_closed", lang_of(c)),
                                     conversation_status::closed);
            hub_->publish(json{{"e", "status"}, {"c", c.id}, {"st", "closed"}});
            hub_->wake_webhooks();  // the store wrote the event with the change
            send(json{{"type", "closed"}, {"conversation_id", c.id}});
        } else if (type == "ticket_reply") {
            check_fields(f, {"type", "ticket_id", "text"});
            const auto id =
                require_int(f, "ticket_id", 1, std::numeric_limits<std::int64_t>::max());
            const std::string text = require_text(f);
            switch (hub_->answer_ticket(id, text, agent_.id)) {
                case hub::ticket_answer::not_found:
                    throw frame_error("not_found", "no ticket " + std::to_string(id));
                case hub::ticket_answer::not_open:
                    throw frame_error("conflict", "the ticket was already answered");
                case hub::ticket_answer::answered:
                    break;
            }
            send(json{{"type", "ticket_answered"}, {"ticket_id", id}});
        } else {
            throw frame_error("unknown_type", "unknown frame type '" + type + "'");
        }
    } catch (const frame_error& e) {
        send(error_frame(e.code, e.what(), type));
        if (!errors_.spend()) {
            closing_ = true;
            ws_.async_close(websocket::close_code::policy_error,
                            [self = shared_from_this()](beast::error_code) {});
        }
    } catch (const std::exception& e) {
        hub_->log().error("agent_frame_failed", {{"error", e.what()}, {"type", type}});
        send(error_frame("internal", "the server could not handle this frame; try again", type));
    }
}

void agent_session::deliver(std::shared_ptr<const hub_event> ev) {
    net::post(ws_.get_executor(), [self = shared_from_this(), ev] {
        try {
            self->on_event(*ev);
        } catch (const std::exception& e) {
            self->hub_->log().error("agent_event_failed", {{"error", e.what()}});
        }
    });
}

void agent_session::on_event(const hub_event& ev) {
    if (ev.kind == "status") {
        const std::string owner = ev.body.value("agent_id", "");
        if (owner == agent_.id) watching_.insert(ev.conversation_id);
        if (watching_.count(ev.conversation_id))
            send(json{{"type", "status"},
                      {"conversation_id", ev.conversation_id},
                      {"status", ev.body.value("st", "")},
                      {"agent_id", owner}});
        return;
    }
    if (!watching_.count(ev.conversation_id)) return;
    if (ev.kind == "msg" && ev.message) {
        send(agent_message_json(*ev.message));
    } else if ((ev.kind == "typing" || ev.kind == "read") && ev.body.value("a", "") == "shopper") {
        json f{{"type", ev.kind}, {"conversation_id", ev.conversation_id}, {"author", "shopper"}};
        if (ev.kind == "typing") f["on"] = ev.body.value("on", false);
        if (ev.kind == "read") f["id"] = ev.body.value("id", 0);
        send(f);
    } else if (ev.kind == "csat") {
        send(json{{"type", "csat"},
                  {"conversation_id", ev.conversation_id},
                  {"score", ev.body.value("score", 0)}});
    }
}

void agent_session::send(const json& frame) {
    push(std::make_shared<const std::string>(dump(frame)));
}

void agent_session::send_shared(std::shared_ptr<const std::string> frame) {
    net::post(ws_.get_executor(), [self = shared_from_this(), frame = std::move(frame)]() mutable {
        self->push(std::move(frame));
    });
}

void agent_session::push(std::shared_ptr<const std::string> frame) {
    if (closing_) return;
    if (!queue_.push(std::move(frame))) {
        closing_ = true;
        beast::get_lowest_layer(ws_).close();
        return;
    }
    if (queue_.size() == 1) do_write();
}

void agent_session::do_write() {
    ws_.text(true);
    ws_.async_write(net::buffer(*queue_.front()),
                    beast::bind_front_handler(&agent_session::on_write, shared_from_this()));
}

void agent_session::on_write(beast::error_code ec, std::size_t) {
    if (ec) return;
    queue_.pop();
    if (!queue_.empty()) do_write();
}

void agent_session::shutdown() {
    net::post(ws_.get_executor(), [self = shared_from_this()] {
        if (self->closing_) return;
        self->closing_ = true;
        self->ws_.async_close(websocket::close_code::going_away, [self](beast::error_code) {});
    });
}

}  // namespace parley::server
