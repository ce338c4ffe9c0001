// UI strings, English and Chinese. Accessible names the tests rely on are
// marked (DESIGN.md contract 5): keep them stable.
import type { Locale } from "./shared";

const en = {
  open: "Open chat", // contract
  close: "Close chat",
  title: "Chat",
  log: "Conversation",
  message: "Message", // contract: the composer's textbox
  placeholder: "Type your message…",
  send: "Send", // contract
  typing: "Typing…",
  soundOn: "Sound on",
  sound: "Notification sound",
  waiting: "Waiting for an agent…",
  position: "You are number {n} in the queue.",
  joined: "{agent} joined",
  agentFallback: "An agent",
  connecting: "Connecting…",
  reconnecting: "Connection lost. Reconnecting…",
  offlineTitle: "Leave us a message and we'll email you.",
  email: "Email",
  question: "Your question",
  createTicket: "Create ticket",
  ticketSending: "Sending…",
  badEmail: "Please enter a valid email address.",
  emptyQuestion: "Please describe your question.",
  rate: "How did we do?",
  rateN: "Rate {n} of 5",
  thanks: "Thank you for your feedback!",
  tooLong: "That message is too long.",
  error: "Something went wrong. Please try again.",
  rateLimited: "You're sending messages quickly — please wait a moment.",
  quick: "Suggested replies",
  you: "You",
  bot: "Assistant",
  notVerified: "We could not verify your account; continuing as a guest.",
  dismiss: "Dismiss", // the proactive teaser's close button
  track: "Track parcel", // link of an order-status result
};
export type Strings = typeof en;

const zh: Strings = {
  open: "打开聊天",
  close: "关闭聊天",
  title: "在线客服",
  log: "对话",
  message: "消息",
  placeholder: "输入消息…",
  send: "发送",
  typing: "正在输入…",
  soundOn: "声音已开启",
  sound: "提示音",
  waiting: "正在为您转接人工客服…",
  position: "您前面还有 {n} 位。",
  joined: "{agent} 已加入对话",
  agentFallback: "客服",
  connecting: "正在连接…",
  reconnecting: "连接已断开，正在重新连接…",
  offlineTitle: "请留言，我们会通过邮件回复您。",
  email: "邮箱",
  question: "您的问题",
  createTicket: "提交工单",
  ticketSending: "正在提交…",
  badEmail: "请输入有效的邮箱地址。",
  emptyQuestion: "请描述您的问题。",
  rate: "请为本次服务评分",
  rateN: "评分 {n} 分（共 5 分）",
  thanks: "感谢您的评价！",
  tooLong: "消息太长了。",
  error: "出错了，请重试。",
  rateLimited: "发送太频繁，请稍候。",
  quick: "推荐回复",
  you: "您",
  bot: "智能客服",
  notVerified: "无法验证您的账号，将以访客身份继续。",
  dismiss: "关闭提示",
  track: "查看物流",
};

export const strings: Record<Locale, Strings> = { en, zh };

export function fill(s: string, key: string, value: string | number): string {
  return s.split(`{${key}}`).join(String(value));
}
