// tutorial.js — the tutorial preset's state machine, apart from the DOM and
// the server so it can be tested: turned on (the feed at the tutorial's
// pace) or off, a request in flight, a reply per quote counted when the
// server has answered it, and what the strip says about it.
//
//   off ──begin()──▶ on ──end()──▶ off      (in a class: leave() instead of end())
//   setting the rate: asking() … rateSet() | rateRefused(err)   (busy between)
//   on: decide(ev) → the round to reply in, or null; then
//       replied(t, round) | notReplied(round, err)
//
// A round bumps each time it is turned on, so a reply of an earlier round
// that is answered late is not counted in this one.
// Pure: no DOM, no timers, no requests; netsim.js does those. Read decide first.

import { TRANSPORTS } from './url.js';
import { TUTORIAL_RATE, capLimits, maxReplyRate, replyTo } from './replies.js';
import { errorOf, errorText } from './messages.js';
import { rateText } from './format.js';

export class Tutorial {
  on = false;
  sinceTs = 0; // server time (µs) when it was turned on: older quotes came at the old rate
  busy = false; // the feed's rate is being set
  tooFast = false;
  round = 0;
  replies = Object.fromEntries(TRANSPORTS.map((t) => [t, 0])); // replies the server took
  refused = 0; // replies it did not take
  lastRefusal = null; // why, {key?, message} (messages.js errorOf): translated when shown
  muted = false; // the server refused a reply as muted: the page replies no more this round
  error = null; // {key, params}

  /** asking notes that the feed's rate is being set (PUT /api/feed). */
  asking() {
    this.busy = true;
  }

  /** rateSet notes that the server took the rate. */
  rateSet() {
    this.busy = false;
    this.error = null;
  }

  /** rateRefused notes why the rate was not set: a 403 is "only from the server's machine". */
  rateRefused(err) {
    this.busy = false;
    this.error = err?.status === 403
      ? { key: 'tutorial.forbidden', params: { rate: rateText(TUTORIAL_RATE) } }
      : { key: 'tutorial.refused', params: { error: err } };
  }

  /** begin turns the replies on, from sinceTs (server time, µs): a new round. */
  begin(sinceTs) {
    this.on = true;
    this.round++;
    this.sinceTs = sinceTs;
    this.tooFast = false;
    for (const t of TRANSPORTS) this.replies[t] = 0;
    this.refused = 0;
    this.lastRefusal = null;
    this.muted = false;
  }

  /**
   * end turns the replies off. defaultRate is the rate to go back to; when
   * it is not known, end says so and returns false: nothing to ask for.
   */
  end(defaultRate) {
    this.on = false;
    this.tooFast = false;
    if (Number.isFinite(defaultRate)) return true;
    this.error = { key: 'tutorial.refused', params: { error: { key: 'error.noDefaultRate' } } };
    return false;
  }

  /**
   * leave turns the replies off without a rate to go back to: in a class
   * the instructor turned the tutorial off, and the server set the rate.
   */
  leave() {
    this.on = false;
    this.tooFast = false;
  }

  /**
   * decide takes an event a lane accepted and returns the round to reply in,
   * or null for no reply. rate: the feed's rate; messageRate: the server's
   * cap on a page's messages (/api/stats); messagesOff: the class state
   * says students' messages are off. A reply the server would refuse is not
   * sent: it would be one more request on its lane for nothing, and one
   * more refusal on the server.
   */
  decide(ev, { rate, replayed, messageRate, messagesOff = false }) {
    if (messagesOff || this.muted) return null;
    const max = maxReplyRate(messageRate);
    const decision = replyTo(ev, { on: this.on, rate, replayed, sinceTs: this.sinceTs, max });
    if (decision === 'no') return null;
    this.tooFast = decision === 'tooFast';
    return this.tooFast ? null : this.round;
  }

  /** replied counts a reply over t that the server took, if of this round. */
  replied(t, round) {
    if (round === this.round) this.replies[t]++;
  }

  /** notReplied counts a reply the server refused or never answered, if of this round. */
  notReplied(round, err) {
    if (round !== this.round) return;
    this.refused++;
    this.lastRefusal = errorOf(err);
    if (this.lastRefusal.code === 'muted') this.muted = true; // until the tutorial begins again
  }

  /**
   * view says what the strip shows, in the language of T: the state line,
   * the counts line, whether each is an error, and the "back to normal"
   * button (shown while on, or while the feed runs at another rate than the
   * server's own). rate: the feed's rate; stats: the last /api/stats;
   * messagesOff: as decide's.
   */
  view(T, { rate, stats, messagesOff = false }) {
    const defaultRate = stats?.defaultRate;
    const view = {
      normalHidden: !this.on && !(Number.isFinite(defaultRate) && Number.isFinite(rate) && rate !== defaultRate),
      normal: Number.isFinite(defaultRate) ? T('tutorial.normalRate', { rate: rateText(defaultRate) }) : T('tutorial.normal'),
      status: '',
      statusError: this.error !== null,
      counts: '',
      countsError: this.refused > 0,
    };
    if (this.error) view.status = T(this.error.key, this.error.params);
    else if (!this.on) view.status = T('tutorial.hint');
    else if (this.muted) view.status = T('tutorial.muted');
    else if (messagesOff) view.status = T('tutorial.messagesOff');
    else if (this.tooFast) view.status = tooFastText(T, rate, stats);
    else {
      view.status = T('tutorial.on');
      const list = TRANSPORTS.map((t) => `${T(`name.${t}`)} ${this.replies[t]}`).join(' · ');
      view.counts = T('tutorial.replies', { list });
      if (this.refused > 0) {
        view.counts += ' ' + T('tutorial.repliesRefused', { n: this.refused, error: errorText(T, this.lastRefusal) });
      }
    }
    return view;
  }
}

// tooFastText says why the page does not reply: the tutorial's pace, or
// the server's cap on messages when that is lower (/api/stats tells it).
function tooFastText(T, rate, stats) {
  const { messageRate, messageBurst } = stats ?? {};
  const max = +maxReplyRate(messageRate).toFixed(2);
  rate = rateText(rate);
  if (!capLimits(messageRate)) return T('tutorial.tooFastPace', { rate, max });
  const burst = Number.isInteger(messageBurst) && messageBurst > 0 ? messageBurst : '—';
  return T('tutorial.tooFast', { rate, max, messageRate, burst });
}
