#include "store.hpp"

#include <algorithm>

#include "auth.hpp"

#include <array>
#include <utility>

namespace parley::server {

namespace {

// Names are what both backends store in their TEXT status/author/role
// columns, so they must never change once a database exists.
constexpr std::array<std::pair<conversation_status, std::string_view>, 4> status_names{{
    {conversation_status::bot, "bot"},
    {conversation_status::queued, "queued"},
    {conversation_status::agent, "agent"},
    {conversation_status::closed, "closed"},
}};

constexpr std::array<std::pair<author_kind, std::string_view>, 5> author_names{{
    {author_kind::shopper, "shopper"},
    {author_kind::bot, "bot"},
    {author_kind::agent, "agent"},
    {author_kind::system, "system"},
    {author_kind::note, "note"},
}};

constexpr std::array<std::pair<ticket_status, std::string_view>, 3> ticket_names{{
    {ticket_status::open, "open"},
    {ticket_status::answered, "answered"},
    {ticket_status::closed, "closed"},
}};

template <typename Enum, std::size_t N>
std::string_view name_of(const std::array<std::pair<Enum, std::string_view>, N>& table,
                         Enum value) {
    for (const auto& [e, name] : table) {
        if (e == value) return name;
    }
    return "unknown";
}

template <typename Enum, std::size_t N>
std::optional<Enum> parse_name(const std::array<std::pair<Enum, std::string_view>, N>& table,
                               std::string_view name) {
    for (const auto& [e, n] : table) {
        if (n == name) return e;
    }
    return std::nullopt;
}

}  // namespace

std::string_view status_name(conversation_status status) {
    return name_of(status_names, status);
}

std::optional<conversation_status> status_from_name(std::string_view name) {
    return parse_name(status_names, name);
}

std::string_view author_name(author_kind author) {
    return name_of(author_names, author);
}

std::optional<author_kind> author_from_name(std::string_view name) {
    return parse_name(author_names, name);
}

std::string_view ticket_status_name(ticket_status status) {
    return name_of(ticket_names, status);
}

std::optional<ticket_status> ticket_status_from_name(std::string_view name) {
    return parse_name(ticket_names, name);
}

void store::set_webhook_receivers(std::vector<webhook_receiver> receivers) {
    std::lock_guard lock(receivers_mutex_);
    receivers_ = std::move(receivers);
}

bool store::wants_event(std::string_view event) const {
    std::lock_guard lock(receivers_mutex_);
    return std::any_of(receivers_.begin(), receivers_.end(), [&](const webhook_receiver& r) {
        return r.events.empty() ||
               std::find(r.events.begin(), r.events.end(), event) != r.events.end();
    });
}

std::vector<outbox_record> store::outbox_entries(std::string_view event,
                                                 const std::string& data_json,
                                                 std::int64_t now) const {
    std::vector<outbox_record> out;
    std::lock_guard lock(receivers_mutex_);
    std::string event_id;
    for (const auto& r : receivers_) {
        if (!r.events.empty() &&
            std::find(r.events.begin(), r.events.end(), event) == r.events.end())
            continue;
        if (event_id.empty()) event_id = random_token(16);
        outbox_record e;
        e.event_id = event_id;
        e.event = std::string(event);
        e.url = r.url;
        // The body as receivers get it; ids and names are URL-safe, data is JSON.
        e.payload = "{\"id\":\"" + event_id + "\",\"type\":\"" + e.event +
                    "\",\"created_at\":" + std::to_string(now) + ",\"data\":" + data_json + "}";
        e.created_at = now;
        e.next_attempt_at = now;
        out.push_back(std::move(e));
    }
    return out;
}

std::string_view outbox_state_name(outbox_state state) {
    switch (state) {
        case outbox_state::delivered:
            return "delivered";
        case outbox_state::failed:
            return "failed";
        case outbox_state::pending:
            break;
    }
    return "pending";
}

std::vector<store::turn_outcome> store::append_turns(const std::vector<turn_request>& turns) {
    std::vector<turn_outcome> out(turns.size());
    for (std::size_t i = 0; i < turns.size(); ++i) {
        try {
            out[i].result = append_turn(turns[i].shopper, turns[i].replies, turns[i].dialog);
        } catch (...) {
            out[i].error = std::current_exception();
        }
    }
    return out;
}

}  // namespace parley::server
