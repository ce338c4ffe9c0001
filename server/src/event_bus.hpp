#pragma once
// Tells every `parley serve` node of a deployment that something happened to
// a conversation (a new message, a claim, typing…), so the node holding the
// shopper's or the agent's socket can push it. One node (SQLite) uses the
// in-process bus; several nodes share PostgreSQL and use its LISTEN/NOTIFY.
//
// Events are small JSON strings (PostgreSQL caps a NOTIFY payload at 8000
// bytes): they name what changed; receivers read details from the store.
// Every node receives its own events too, so delivery has one code path.
#include <functional>
#include <memory>
#include <string>

namespace parley::server {

class event_bus {
  public:
    using handler = std::function<void(const std::string& payload)>;
    virtual ~event_bus() = default;
    // Set once, before start(). Called on the bus's own thread (pg) or the
    // publisher's thread (local); the handler must hand work off quickly.
    virtual void on_event(handler h) = 0;
    virtual void start() = 0;
    virtual void publish(const std::string& payload) = 0;
    virtual void stop() = 0;
};

std::unique_ptr<event_bus> make_local_bus();
// A dedicated connection that LISTENs on channel `parley_events`; reconnects
// with backoff if the connection drops.
std::unique_ptr<event_bus> make_postgres_bus(const std::string& url);

}  // namespace parley::server
