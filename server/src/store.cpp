#include "store.hpp"

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

}  // namespace parley::server
