// Progressive enhancement only: every page works and reads without this file.
// - [data-live]: a region refreshed in place every N seconds (data-live="N") from the same URL.
// - [data-confirm]: a form that asks before it submits (e.g. suspending a model).
(function () {
  'use strict';

  function refresh(region, seconds) {
    window.setTimeout(function () {
      fetch(window.location.href, { credentials: 'same-origin', headers: { accept: 'text/html' } })
        .then(function (response) {
          return response.ok ? response.text() : Promise.reject(new Error(String(response.status)));
        })
        .then(function (html) {
          var next = new DOMParser().parseFromString(html, 'text/html').getElementById(region.id);
          if (next) {
            region.replaceChildren.apply(region, Array.from(next.childNodes));
            if (next.hasAttribute('data-live')) refresh(region, seconds);
          }
        })
        .catch(function () {
          refresh(region, seconds * 2);
        });
    }, seconds * 1000);
  }

  document.querySelectorAll('[data-live][id]').forEach(function (region) {
    var seconds = Number(region.getAttribute('data-live')) || 5;
    refresh(region, seconds);
  });

  document.querySelectorAll('form[data-confirm]').forEach(function (form) {
    form.addEventListener('submit', function (event) {
      if (!window.confirm(form.getAttribute('data-confirm'))) event.preventDefault();
    });
  });
})();
