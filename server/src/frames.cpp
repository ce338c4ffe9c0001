#include "frames.hpp"

#include <ctime>

#include <chrono>

namespace parley::server {

using nlohmann::json;

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string dump(const json& j) {
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string utc_date(std::int64_t ms) {
    const std::time_t t = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
}

std::string fill_placeholder(std::string text, std::string_view key, std::string_view value) {
    const std::string token = "{" + std::string(key) + "}";
    for (auto pos = text.find(token); pos != std::string::npos; pos = text.find(token, pos)) {
        text.replace(pos, token.size(), value);
        pos += value.size();
    }
    return text;
}

json error_frame(std::string_view code, std::string_view message, std::string_view ref) {
    json j{{"type", "error"}, {"code", code}, {"message", message}};
    if (!ref.empty()) j["ref"] = ref;
    return j;
}

namespace {
json payload_json(const std::string& payload) {
    if (payload.empty()) return nullptr;
    json p = json::parse(payload, nullptr, false);
    return p.is_discarded() ? json(nullptr) : p;
}
}  // namespace

namespace {
// The shopper's view of a message, without the bot's reply object.
json shopper_message_fields(const message_record& m, std::string_view agent_name) {
    json j{{"type", "message"},
           {"id", m.seq},
           {"author", author_name(m.author)},
           {"text", m.text},
           {"ts", m.created_at}};
    if (!m.client_id.empty()) j["client_id"] = m.client_id;
    if (m.author == author_kind::agent && !agent_name.empty()) j["agent"] = {{"name", agent_name}};
    return j;
}
}  // namespace

std::string shopper_message_frame(const message_record& m, std::string_view agent_name) {
    const std::string& p = m.payload;
    const bool object = p.size() >= 2 && p.front() == '{' && p.back() == '}';
    if (m.author != author_kind::bot || !object) return dump(shopper_message_json(m, agent_name));
    std::string frame = dump(shopper_message_fields(m, agent_name));
    frame.pop_back();  // '}'
    frame += ",\"reply\":";
    frame += p;
    frame += '}';
    return frame;
}

json shopper_message_json(const message_record& m, std::string_view agent_name) {
    json j = shopper_message_fields(m, agent_name);
    if (m.author == author_kind::bot) {
        json p = payload_json(m.payload);
        if (!p.is_null()) j["reply"] = std::move(p);
    }
    return j;
}

json agent_message_json(const message_record& m) {
    json j{{"type", "message"}, {"conversation_id", m.conversation_id},
           {"id", m.seq},       {"author", author_name(m.author)},
           {"text", m.text},    {"ts", m.created_at}};
    if (!m.agent_id.empty()) j["agent_id"] = m.agent_id;
    if (!m.client_id.empty()) j["client_id"] = m.client_id;
    json p = payload_json(m.payload);
    if (!p.is_null()) j["reply"] = std::move(p);
    return j;
}

json message_event_json(const message_record& m) {
    return json{
        {"c", m.conversation_id}, {"s", m.seq},  {"k", m.client_id}, {"a", author_name(m.author)},
        {"g", m.agent_id},        {"t", m.text}, {"p", m.payload},   {"ts", m.created_at}};
}

message_record message_from_json(const json& j) {
    message_record m;
    m.conversation_id = j.at("c").get<std::string>();
    m.seq = j.at("s").get<std::int64_t>();
    m.client_id = j.value("k", "");
    m.author = author_from_name(j.value("a", "")).value_or(author_kind::system);
    m.agent_id = j.value("g", "");
    m.text = j.value("t", "");
    m.payload = j.value("p", "");
    m.created_at = j.value("ts", std::int64_t{0});
    return m;
}

json conversation_json(const conversation_record& c) {
    return json{{"id", c.id},
                {"status", status_name(c.status)},
                {"user_id", c.user_id},
                {"email", c.email},
                {"name", c.name},
                {"locale", c.locale},
                {"origin", c.origin},
                {"agent_id", c.agent_id},
                {"handoff_reason", c.handoff_reason},
                {"intent", c.intent},
                {"sentiment", c.sentiment},
                {"created_at", c.created_at},
                {"updated_at", c.updated_at},
                {"queued_at", c.queued_at},
                {"claimed_at", c.claimed_at},
                {"closed_at", c.closed_at},
                {"last_id", c.last_seq},
                {"csat", c.csat_score == 0 ? json(nullptr) : json(c.csat_score)},
                {"csat_comment", c.csat_comment}};
}

json ticket_json(const ticket_record& t) {
    return json{{"id", t.id},
                {"conversation_id", t.conversation_id},
                {"email", t.email},
                {"message", t.message},
                {"status", ticket_status_name(t.status)},
                {"created_at", t.created_at},
                {"due_at", t.due_at},
                {"answer", t.answer.empty() ? json(nullptr) : json(t.answer)},
                {"answered_at", t.answered_at}};
}

json agent_json(const agent_record& a) {
    return json{{"id", a.id},
                {"email", a.email},
                {"name", a.name},
                {"role", a.role == agent_role::admin ? "admin" : "agent"}};
}

}  // namespace parley::server
