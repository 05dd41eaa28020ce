// Starts the npm emulator telegram-test-api on 127.0.0.1 for minga's end-to-end test,
// with a thin bridge in front of its bot routes for where it and the Bot API (as
// python-telegram-bot 22 reads it) part ways. minga itself is not changed for it.
//
//   BOT_TOKEN=... ADMINS=<user id>,... node launcher.js    -> prints {"port": N}
//
// Bridged here, and only here:
// - getMe has no is_bot: added (python-telegram-bot refuses a bot user without it);
// - message dates are in milliseconds: turned into seconds;
// - errors are HTTP 500 {message}: turned into Bot API errors (400, ok: false);
// - getUpdates ignores offset and timeout: updates it hands out are kept until an
//   offset confirms them, and an empty answer waits up to `timeout` seconds;
// - methods it lacks: getChatAdministrators (the ADMINS users administer every
//   group), setMyCommands/getMyCommands/deleteMyCommands (accepted);
// - callback queries lack chat_instance, and null results (answerCallbackQuery,
//   editMessageText) are returned as true, as Telegram does.
// The people's side is the emulator's own client API: POST /sendMessage, /sendCommand,
// /sendCallback, /getUpdates and /getUpdatesHistory.
'use strict';

const express = require('express');
const TelegramServer = require('telegram-test-api');

const token = process.env.BOT_TOKEN || '123456:emulated';
const admins = (process.env.ADMINS || '').split(',').filter(Boolean).map(Number);

const emulator = new TelegramServer({ host: '127.0.0.1', port: 1, storeTimeout: 3600 });
const confirmedUpTo = {}; // token -> every update below this was confirmed by an offset
const handedOut = {}; // token -> updates fetched from the emulator, not confirmed yet

function seconds(value) {
  return typeof value === 'number' && value > 1e11 ? Math.floor(value / 1000) : value;
}

// The emulator echoes a request's fields into its result; these came as JSON text.
const OBJECT_FIELDS = new Set(['link_preview_options', 'reply_markup', 'entities']);

// Dates in seconds, objects as objects, no stray botToken fields, chat_instance on
// callback queries.
function tidy(value) {
  if (Array.isArray(value)) return value.map(tidy);
  if (value === null || typeof value !== 'object') return value;
  const out = {};
  for (const [key, inner] of Object.entries(value)) {
    if (key === 'botToken') continue;
    let item = inner;
    if (OBJECT_FIELDS.has(key) && typeof item === 'string') {
      try { item = JSON.parse(item); } catch (error) { continue; }
    }
    out[key] = key === 'date' ? seconds(item) : tidy(item);
  }
  if (out.callback_query && !out.callback_query.chat_instance) {
    const message = out.callback_query.message || {};
    out.callback_query.chat_instance = String((message.chat || {}).id || 0);
  }
  return out;
}

function params(req) {
  return { ...req.query, ...(req.body || {}) };
}

async function getUpdates(req, res) {
  const botToken = req.params.token;
  const p = params(req);
  const offset = Number(p.offset || 0);
  const deadline = Date.now() + Number(p.timeout || 0) * 1000;
  const buffer = handedOut[botToken] || (handedOut[botToken] = []);
  for (;;) {
    for (const update of emulator.getUpdates(botToken)) buffer.push(tidy(update));
    if (offset) {
      confirmedUpTo[botToken] = Math.max(confirmedUpTo[botToken] || 0, offset);
      while (buffer.length && buffer[0].update_id < confirmedUpTo[botToken]) buffer.shift();
    }
    if (buffer.length || Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  res.json({ ok: true, result: buffer.slice(0, Number(p.limit || 100)) });
}

const front = express();
front.use(express.json());
front.use(express.urlencoded({ extended: true }));

front.all('/bot:token/getUpdates', (req, res, next) => getUpdates(req, res).catch(next));
front.all('/bot:token/getChatAdministrators', (req, res) => {
  const result = admins.map((id, index) => ({
    status: index === 0 ? 'creator' : 'administrator',
    user: { id, is_bot: false, first_name: `admin${id}` },
    is_anonymous: false,
    ...(index === 0 ? {} : {
      can_be_edited: false, can_manage_chat: true, can_delete_messages: true,
      can_manage_video_chats: true, can_restrict_members: true, can_promote_members: true,
      can_change_info: true, can_invite_users: true, can_post_stories: true,
      can_edit_stories: true, can_delete_stories: true,
    }),
  }));
  res.json({ ok: true, result });
});
front.all('/bot:token/:method(setMyCommands|deleteMyCommands)', (req, res) => {
  res.json({ ok: true, result: true });
});
front.all('/bot:token/getMyCommands', (req, res) => res.json({ ok: true, result: [] }));

// Everything else goes to the emulator, with its answers rewritten on the way out.
front.all('/bot:token/:method', (req, res, next) => {
  const { method } = req.params; // req.params changes as the emulator's routes match
  const json = res.json.bind(res);
  res.json = (body) => {
    if (res.statusCode >= 400 || (body && body.ok === undefined)) {
      const description = (body && body.message) || 'Unknown error';
      res.status(400);
      return json({ ok: false, error_code: 400, description: `Bad Request: ${description}` });
    }
    const result = body.result === null || body.result === undefined ? true : tidy(body.result);
    if (method === 'getMe') result.is_bot = true;
    return json({ ...body, result });
  };
  next();
});
front.use(emulator.webServer);

const server = front.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
