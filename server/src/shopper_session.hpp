#pragma once
// One shopper's WebSocket (PROTOCOL.md "Shopper socket"): hello/resume,
// messages with acks, the bot's turn (the same core as in the browser),
// handoff into the agent queue or the offline form, typing, read, CSAT.
#include <boost/beast/http.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "hub.hpp"
#include "ws_common.hpp"

namespace parley::server {

class shopper_session : public std::enable_shared_from_this<shopper_session> {
  public:
    shopper_session(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<hub> h, std::string ip);
    ~shopper_session();

    void run(beast::http::request<beast::http::string_body> req);
    // From any thread: an event about this socket's conversation.
    void deliver(std::shared_ptr<const hub_event> ev);
    void shutdown();

  private:
    void on_accept(beast::error_code ec);
    void do_read();
    void on_read(beast::error_code ec, std::size_t bytes);
    void send(const nlohmann::json& frame);
    void send_shared(std::shared_ptr<const std::string> frame);
    void do_write();
    void on_write(beast::error_code ec, std::size_t bytes);

    void handle_frame(std::string_view data);
    void handle_hello(const nlohmann::json& f);
    void handle_message(const nlohmann::json& f);
    void handle_csat(const nlohmann::json& f);
    void handle_ticket(const nlohmann::json& f);
    void on_event(const hub_event& ev);

    // A bot turn: with `shopper` (the message that triggered it) everything is
    // committed in one transaction and then acknowledged; without (the first
    // message after a close, already stored) only the replies are added.
    void bot_turn(const conversation_record& c, const new_message* shopper,
                  const std::string& text);
    // The reply to a bot turn, once the message is embedded (or at once
    // without a student).
    void answer_turn(const conversation_record& c, const new_message* shopper,
                     const std::string& text, const std::shared_ptr<const shop_runtime>& shop,
                     const message_vector& vec, std::chrono::steady_clock::time_point started);
    // The second half of a bot turn, once the reply is decided (at once, or
    // after the large model re-answered a low-confidence turn).
    void finish_bot_turn(const conversation_record& c, const new_message* shopper,
                         parley::session& dialog, const parley::reply& r,
                         const std::shared_ptr<const shop_runtime>& shop,
                         std::chrono::steady_clock::time_point started);
    // Asks the large model about a turn the student could not answer; false
    // when there is nothing to ask (then the student's reply stands).
    bool start_rerank(const conversation_record& c, const new_message* shopper,
                      const std::string& text, const parley::session& before,
                      const parley::session& dialog, const parley::reply& r,
                      const std::shared_ptr<const shop_runtime>& shop, const message_vector& vec,
                      std::chrono::steady_clock::time_point started);
    void resume_reading();
    // A local-mode message whose local_reply asks the server to answer the
    // turn instead (`second_opinion`), and this server may do better than
    // the page: it has a re-rank engine or the student. Throws frame_error on
    // a bad shape.
    bool wants_second_opinion(const nlohmann::json& message) const;
    void local_turn(const conversation_record& c, const new_message* shopper,
                    const nlohmann::json& local_reply);
    // Stores a turn, acknowledges the shopper's message, announces the
    // messages and then calls `then` with the stored replies (not for a
    // retry: stored once, answered once). With the shopper's message the
    // turn is group-committed: `then` runs later, on this socket's strand,
    // and no further frame is read until then.
    using turn_stored = std::function<void(const std::vector<message_record>& replies)>;
    void commit_turn(const conversation_record& c, const new_message* shopper,
                     std::vector<new_message> replies, store::dialog_update dialog,
                     turn_stored then);
    void on_turn_stored(const store::turn_result& turn, const turn_stored& then);
    void count_message(author_kind author);
    void start_action(const conversation_record& c, const std::string& name,
                      const std::string& flow_id, std::map<std::string, std::string> params,
                      parley::language lang);
    void hand_off(const conversation_record& c, parley::session dialog, const std::string& reason,
                  const shop_runtime& shop);
    void send_message(const message_record& m);
    void send_missing(std::int64_t up_to);
    void send_status(const conversation_record& c);

    ws_stream ws_;
    beast::flat_buffer buffer_;
    std::shared_ptr<hub> hub_;
    std::string ip_;
    write_queue queue_;
    error_budget errors_;
    bool hello_done_ = false;
    bool local_mode_ = false;
    bool closing_ = false;
    bool read_paused_ = false;  // backpressure: the client is not reading our frames
    // TCP_CORK is on: a turn's frames go out together once the queue drains.
    bool corked_ = false;
    void cork();
    void uncork();
    // A turn waits for the large model: frames after it wait too, so that
    // turns commit in the order the shopper sent them.
    bool turn_pending_ = false;
    std::string conversation_id_;
    std::int64_t last_sent_ = 0;  // newest message id this socket has sent
    // The shopper's own messages this socket acknowledged: the ack carried
    // the stored text, so their echo goes to the conversation's other sockets
    // only (one frame less per message on this one).
    std::set<std::int64_t> acked_own_;
    // Local mode: the turn in flight is one the in-page core could not answer
    // and the server answers instead (a "second opinion", PROTOCOL.md); its
    // ack carries the dialog state committed with it, so that the page's
    // core goes on from the server's reply. Set while that turn is pending.
    bool second_opinion_turn_ = false;
    std::optional<std::string> ack_dialog_state_;
    void send_ack(const message_record& m, const std::string* dialog_state = nullptr);
};

}  // namespace parley::server
