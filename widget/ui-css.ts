// The panel's stylesheet, adopted into the widget's shadow root (a
// constructed CSSStyleSheet: allowed under `style-src 'self'`). Logical
// properties only (RTL-safe); dark mode, reduced motion and a full-screen
// panel on narrow viewports. Theme values arrive as custom properties.
export const css = `
.panel{position:absolute;inset-block-end:72px;inset-inline-end:0;inline-size:370px;max-inline-size:calc(100vw - 40px);
block-size:600px;max-block-size:calc(100vh - 112px);display:flex;flex-direction:column;background:var(--bg);color:var(--fg);
border-radius:16px;box-shadow:0 12px 40px #0005;overflow:hidden;border:1px solid var(--line);
--bg:#fff;--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bot:#f1f3f5;--field:#fff;
animation:pin .18s ease-out}
:host(.left) .panel{inset-inline-end:auto;inset-inline-start:0}
@keyframes pin{from{opacity:0}}
@media (prefers-color-scheme:dark){.panel{--bg:#161b22;--fg:#e6edf3;--muted:#9da7b3;--line:#30363d;--bot:#21262d;--field:#0d1117}}
@media (prefers-reduced-motion:reduce){.panel,.dots i{animation:none!important}.log{scroll-behavior:auto}}
@media (max-width:480px){.panel{position:fixed;inset:0;inline-size:auto;block-size:auto;max-inline-size:none;max-block-size:none;border-radius:0;border:0}
:host(.open) .launcher{display:none}}
.head{display:flex;align-items:center;gap:10px;padding-block:12px;padding-inline:16px 12px;background:var(--pc);color:var(--pf)}
.head img{inline-size:32px;block-size:32px;border-radius:50%;object-fit:cover;background:#fff3}
.head h2{flex:1;margin:0;font-size:16px;font-weight:600;line-height:1.3;overflow-wrap:anywhere}
.icon{inline-size:36px;block-size:36px;border:0;border-radius:8px;background:transparent;color:inherit;cursor:pointer;display:grid;place-items:center;padding:0;font:inherit}
.icon:hover{background:#fff2}.icon:focus-visible{outline:2px solid currentColor;outline-offset:-2px}
.icon svg{inline-size:20px;block-size:20px;fill:currentColor}
.icon[aria-pressed=false] svg{opacity:.55}
.status{padding:6px 16px;font-size:13px;background:var(--bot);color:var(--fg);border-block-end:1px solid var(--line)}
.log{flex:1;overflow-y:auto;padding:16px;display:flex;flex-direction:column;gap:8px;scroll-behavior:smooth;overscroll-behavior:contain}
.row{display:flex;flex-direction:column;align-items:flex-start;max-inline-size:85%}
.row.shopper{align-self:flex-end;align-items:flex-end}
.row.system{align-self:center;max-inline-size:100%}
.who{font-size:12px;color:var(--muted);margin-block-end:2px;padding-inline:4px}
.msg{padding:8px 12px;border-radius:14px;white-space:pre-wrap;overflow-wrap:anywhere;background:var(--bot);color:var(--fg)}
.msg[data-author=shopper]{background:var(--pc);color:var(--pf);border-end-end-radius:4px}
.msg[data-author=bot],.msg[data-author=agent]{border-end-start-radius:4px}
.msg[data-author=agent]{border:1px solid var(--pc)}
.msg[data-author=system]{background:transparent;color:var(--muted);font-size:13px;text-align:center;padding:2px 8px}
.msg.pending{opacity:.7}
.msg a{color:inherit;text-decoration:underline}
.typing{padding:0 16px 6px;font-size:13px;color:var(--muted);display:flex;align-items:center;gap:6px}
.dots{display:inline-flex;gap:3px}.dots i{inline-size:6px;block-size:6px;border-radius:50%;background:currentColor;animation:blink 1s infinite}
.dots i:nth-child(2){animation-delay:.2s}.dots i:nth-child(3){animation-delay:.4s}
@keyframes blink{50%{opacity:.2}}
.quick{display:flex;flex-wrap:wrap;gap:6px;padding:0 16px 8px}
.chip,.star,.btn{font:inherit;font-size:14px;border-radius:18px;border:1px solid var(--pc);background:var(--bg);color:var(--fg);padding:6px 12px;cursor:pointer;min-block-size:36px}
.chip:hover,.star:hover{background:var(--bot)}
.chip:focus-visible,.star:focus-visible,.btn:focus-visible,.send:focus-visible{outline:2px solid var(--pc);outline-offset:2px}
.csat,.offline{padding:10px 16px;border-block-start:1px solid var(--line);display:flex;flex-direction:column;gap:8px}
.csat p,.offline p{margin:0;font-size:14px}
.stars{display:flex;gap:4px}.star{inline-size:40px;padding:0;font-size:20px;line-height:1}
.offline label{display:flex;flex-direction:column;gap:2px;font-size:13px;color:var(--muted)}
.field,.input{font:inherit;font-size:16px;color:var(--fg);background:var(--field);border:1px solid var(--line);border-radius:10px;padding:8px 10px;box-sizing:border-box;inline-size:100%}
.field:focus,.input:focus{outline:2px solid var(--pc);outline-offset:0;border-color:transparent}
.offline textarea{min-block-size:60px;resize:vertical}
.btn{align-self:flex-start;background:var(--pc);color:var(--pf);border-color:var(--pc)}
.err{color:#c4262e;font-size:13px;margin:0}
@media (prefers-color-scheme:dark){.err{color:#ff7b72}}
.composer{display:flex;gap:8px;align-items:flex-end;padding:10px 12px;border-block-start:1px solid var(--line)}
.input{flex:1;resize:none;max-block-size:120px;min-block-size:40px;line-height:1.4}
.send{font:inherit;font-size:15px;font-weight:600;border:0;border-radius:10px;background:var(--pc);color:var(--pf);padding:0 16px;block-size:40px;cursor:pointer}
.send:disabled{opacity:.6;cursor:default}
.track{display:inline-block;margin-block-start:4px;font-size:14px;color:var(--fg);background:var(--bg);border:1px solid var(--pc);border-radius:18px;padding:6px 12px;text-decoration:none}
.track::after{content:" \\2197" / ""}
.track:hover{background:var(--bot)}.track:focus-visible{outline:2px solid var(--pc);outline-offset:2px}
.teaser{position:absolute;inset-block-end:68px;inset-inline-end:0;inline-size:max-content;max-inline-size:min(300px,calc(100vw - 40px));
display:flex;align-items:flex-start;gap:2px;padding:4px;border-radius:14px;border:1px solid var(--line);box-shadow:0 6px 24px #0003;
background:var(--bg);color:var(--fg);--bg:#fff;--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bot:#f1f3f5;animation:tin .2s ease-out}
:host(.left) .teaser{inset-inline-end:auto;inset-inline-start:0}
@keyframes tin{from{opacity:0;transform:translateY(8px)}}
@media (prefers-color-scheme:dark){.teaser{--bg:#161b22;--fg:#e6edf3;--muted:#9da7b3;--line:#30363d;--bot:#21262d}}
@media (prefers-reduced-motion:reduce){.teaser{animation:none}}
.tz-text{flex:1;font:inherit;font-size:14px;text-align:start;color:inherit;background:transparent;border:0;border-radius:10px;padding:8px 4px 8px 10px;cursor:pointer;overflow-wrap:anywhere}
.tz-x{flex:none;inline-size:32px;block-size:32px;font:inherit;font-size:20px;line-height:1;color:var(--muted);background:transparent;border:0;border-radius:8px;cursor:pointer;padding:0}
.tz-text:hover,.tz-x:hover{background:var(--bot)}
.tz-text:focus-visible,.tz-x:focus-visible{outline:2px solid var(--pc);outline-offset:-2px}
.sr{position:absolute;inline-size:1px;block-size:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
`;
