// The Jupyter widget HTML manager (1.0) typesets widget labels with MathJax 2's API,
// MathJax.Hub.Queue(["Typeset", MathJax.Hub, element]); the site and the decks load MathJax 3.
// Loaded (deferred) after MathJax and before the manager renders on window load: map the call onto
// MathJax 3's typesetPromise, so a label with $…$ is typeset instead of throwing.
(function () {
  function queue(cmd) {
    var el = cmd && cmd[2], mj = window.MathJax;
    if (!mj) return;
    var run = function () { return mj.typesetPromise ? mj.typesetPromise(el ? [el] : undefined) : null; };
    var ready = mj.startup && mj.startup.promise;
    (ready ? ready.then(run) : Promise.resolve(run())).catch(function () {});
  }
  function patch() { if (window.MathJax && !window.MathJax.Hub) window.MathJax.Hub = {Queue: queue}; }
  patch();
  document.addEventListener('DOMContentLoaded', patch);
}());
