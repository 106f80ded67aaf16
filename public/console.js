// Progressive enhancement only: every page works without this file.
(function () {
  'use strict';
  document.documentElement.classList.add('js');

  // A form that came back with errors: its summary takes the focus, so it is read first and
  // its links (one per field) are a Tab away.
  var summary = document.querySelector('[data-error-summary]');
  if (summary) summary.focus();
  // A summary link to a field folded inside <details> opens it first.
  document.addEventListener('click', function (event) {
    var link = event.target.closest('[data-error-summary] a[href^="#"]');
    var target = link && document.getElementById(link.getAttribute('href').slice(1));
    var folded = target && target.closest('details:not([open])');
    if (folded) folded.open = true;
  });

  // Links and buttons with data-dialog open the named <dialog> instead of the fallback page.
  document.addEventListener('click', function (event) {
    var opener = event.target.closest('[data-dialog]');
    if (!opener) return;
    var dialog = document.getElementById(opener.getAttribute('data-dialog'));
    if (!dialog || typeof dialog.showModal !== 'function') return;
    event.preventDefault();
    dialog.showModal();
    var first = dialog.querySelector('input:not([type=hidden]), textarea, select');
    if (first) first.focus();
  });

  // Copy buttons next to read-only values (credentials, pull URLs).
  document.querySelectorAll('[data-copy]').forEach(function (button) {
    button.hidden = false;
    var original = button.textContent;
    button.addEventListener('click', function () {
      var input = document.getElementById(button.getAttribute('data-copy'));
      if (!input) return;
      input.select();
      var done = function () {
        button.textContent = button.getAttribute('data-copied') || original;
        setTimeout(function () { button.textContent = original; }, 1500);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand('copy'); done(); });
      } else {
        document.execCommand('copy');
        done();
      }
    });
  });

  // Live progress of running syncs: poll the run's JSON until it finishes, then reload the page
  // so that its final state and actions come from the server.
  document.querySelectorAll('[data-progress-url]').forEach(function (holder) {
    var url = holder.getAttribute('data-progress-url');
    var poll = function () {
      fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin' })
        .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
        .then(function (run) {
          holder.querySelectorAll('[data-count]').forEach(function (cell) {
            var key = cell.getAttribute('data-count');
            if (key in run) cell.textContent = String(run[key]);
          });
          var bar = holder.querySelector('progress');
          if (bar) {
            bar.max = Math.max(run.total, run.processed, 1);
            bar.value = run.processed;
            if (run.text) bar.setAttribute('aria-valuetext', run.text.percent + ' · ' + run.text.of);
          }
          // Phase, %, rate and time left come worded by the server, in the page's language.
          holder.querySelectorAll('[data-text]').forEach(function (cell) {
            var key = cell.getAttribute('data-text');
            // Only changes are written: the facts are a polite live region, and a screen reader should hear news, not every poll.
            if (run.text && key in run.text && cell.textContent !== run.text[key]) cell.textContent = run.text[key];
          });
          // A paused run (deletion threshold) waits for the admin: reload to show its Confirm / Cancel.
          if (run.active && run.status !== 'paused') setTimeout(poll, 1000);
          else window.location.reload();
        })
        .catch(function () { setTimeout(poll, 5000); });
    };
    setTimeout(poll, 1000);
  });
})();
