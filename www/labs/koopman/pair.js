// The Koopman lab's main run as two workers (./worker.js), one per model,
// with the face of one: the consistent and the plain model train at the same
// time on two cores instead of in turn. Each model is its own session of the
// same link, as in `continuum run`, so its numbers do not change.
//
// Messages to the pair go to both (start gains `only`: which model). Replies
// are merged into what one worker training both would send:
//   ready   once both are ready, with the status of both;
//   epochs  each model's stats as they come, except that a consistent epoch
//           waits for the plain model's same epoch (the loss chart draws
//           them side by side) unless the plain model has stopped;
//   eval    once both have answered a request, with the status each model
//           was evaluated at (each answers in order;
//           while they train, the plain model, the faster, may be a few
//           epochs ahead of the consistent one in it);
//   error   at once.
// Epochs a worker posts between a new start and its ready belong to the old
// run and are dropped.

const MODELS = ['consistent', 'plain'];

export function modelPair() {
  const workers = MODELS.map(() => new Worker(new URL('./worker.js', import.meta.url), { type: 'module' }));
  const pair = { onmessage: null };
  const emit = (data) => pair.onmessage?.({ data });
  let ready = {}; // name → its 'ready' reply, this run
  let status = {}; // name → its latest status
  let waiting = []; // consistent stats not passed on yet
  let plainEpoch = 0; // the plain model's latest epoch passed on
  let early = []; // epochs of one model before the other is ready
  const evals = { consistent: [], plain: [] };
  const bothReady = () => Boolean(ready.consistent && ready.plain);

  const epochs = (m) => {
    Object.assign(status, m.status);
    waiting.push(...m.consistent);
    if (m.plain.length) plainEpoch = m.plain.at(-1).epoch;
    const due = waiting.filter((s) => status.plain.done || s.epoch <= plainEpoch);
    waiting = waiting.slice(due.length);
    if (due.length || m.plain.length) emit({ type: 'epochs', consistent: due, plain: m.plain, status: { ...status } });
  };

  workers.forEach((worker, i) => {
    const name = MODELS[i];
    worker.onmessage = ({ data: m }) => {
      if (m.type === 'ready') {
        ready[name] = m;
        Object.assign(status, m.status);
        if (bothReady()) {
          emit({ type: 'ready', truth: ready.consistent.truth, status: { ...status } });
          for (const e of early.splice(0)) epochs(e);
        }
      } else if (m.type === 'epochs') {
        if (!ready[name]) return; // the old run's
        if (bothReady()) epochs(m);
        else early.push(m);
      } else if (m.type === 'eval') {
        evals[name].push(m);
        if (!evals.consistent.length || !evals.plain.length) return;
        const [c, p] = [evals.consistent.shift(), evals.plain.shift()];
        const merged = { type: 'eval', consistent: c.consistent, plain: p.plain, starts: c.starts, ms: Math.max(c.ms, p.ms), status: { ...c.status, ...p.status } };
        if (c.fields) merged.fields = [c.fields[0], p.fields[1]];
        else if (c.packed) merged.packed = [c.packed[0], p.packed[1]];
        else merged.rollouts = [c.rollouts[0], p.rollouts[1]];
        emit(merged);
      } else {
        if (m.type === 'error') Object.assign(evals, { consistent: [], plain: [] });
        emit(m);
      }
    };
  });

  pair.postMessage = (m) => {
    if (m.type === 'start') {
      ready = {};
      status = {};
      waiting = [];
      plainEpoch = 0;
      early = [];
    }
    workers.forEach((w, i) => w.postMessage(m.type === 'start' ? { ...m, only: MODELS[i] } : m));
  };
  pair.terminate = () => workers.forEach((w) => w.terminate());
  return pair;
}
