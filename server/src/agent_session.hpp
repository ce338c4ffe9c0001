#pragma once
// One signed-in agent's WebSocket (PROTOCOL.md "Agent socket"): the live
// queue, claim, two-way chat, typing, internal notes, transfer, close and
// ticket answers. The cookie was checked before the upgrade.
#include <boost/beast/http.hpp>
#include <memory>
#include <set>
#include <string>

#include "hub.hpp"
#include "ws_common.hpp"

namespace parley::server {

class agent_session : public std::enable_shared_from_this<agent_session> {
  public:
    agent_session(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<hub> h,
                  agent_record agent);
    ~agent_session();

    void run(beast::http::request<beast::http::string_body> req);
    void deliver(std::shared_ptr<const hub_event> ev);
    void send_shared(std::shared_ptr<const std::string> frame);  // any thread
    void shutdown();
    const std::string& agent_id() const { return agent_.id; }

  private:
    void on_accept(beast::error_code ec);
    void do_read();
    void on_read(beast::error_code ec, std::size_t bytes);
    void send(const nlohmann::json& frame);
    void push(std::shared_ptr<const std::string> frame);
    void do_write();
    void on_write(beast::error_code ec, std::size_t bytes);

    void handle_frame(std::string_view data);
    void on_event(const hub_event& ev);
    conversation_record owned(const nlohmann::json& f, bool must_own);

    ws_stream ws_;
    beast::flat_buffer buffer_;
    std::shared_ptr<hub> hub_;
    agent_record agent_;
    // Agents follow many conversations at once: a deeper queue before we
    // decide the console stopped reading.
    write_queue queue_{65536};
    error_budget errors_;
    bool closing_ = false;
    std::set<std::string> watching_;  // conversations this console shows live
};

}  // namespace parley::server
