// ccflow console: what JavaScript adds to pages that work without it.
// Every action is a form post the server answers; this file only keeps the
// sentiment sentence in step with its slider, remembers which blocks are
// open, turns drags (SortableJS) into the same posts, and reloads a list of
// running runs now and then. htmx swaps the answers into the page.
(function () {
  'use strict';
  document.documentElement.classList.add('js');

  function all(root, selector) {
    var found = Array.prototype.slice.call(root.querySelectorAll(selector));
    if (root.matches && root.matches(selector)) found.unshift(root);
    return found;
  }

  // The sentence under the slider, as the server writes it.
  function sentiment(root) {
    all(root, '.trigger.editing').forEach(function (t) {
      var slider = t.querySelector('.sentiment-slider');
      var op = t.querySelector('.sentiment-operator');
      var out = t.querySelector('.slider-value');
      var sentence = t.querySelector('.sentence');
      if (!slider || !out || !sentence) return;
      function update() {
        var words = op && op.value === '<' ? 'less than' : 'greater than';
        out.textContent = slider.value + ' %';
        slider.setAttribute('aria-valuetext', slider.value + ' %');
        sentence.textContent = 'A workflow is triggered if the average sentiment is ' + words + ' ' + String(Number(slider.value) / 100);
      }
      slider.addEventListener('input', update);
      if (op) op.addEventListener('change', update);
    });
  }

  // An open block stays open across posts.
  function openBlocks(root) {
    all(root, 'details.block-form').forEach(function (d) {
      d.addEventListener('toggle', function () {
        var input = d.closest('.block').querySelector(':scope > .block-open');
        if (input) input.value = d.open ? '1' : '';
      });
    });
  }

  // Post the entry screen with the change a drag made; without a submitter
  // the server shows the draft anew.
  function post(form, drop) {
    var field = form.querySelector('#drop');
    if (field) field.value = drop || '';
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }

  // Drag blocks within and between lists, and from the palette into one.
  function sortables(root) {
    if (!window.Sortable) return;
    all(root, 'ol.list[data-list]').forEach(function (list) {
      window.Sortable.create(list, {
        // A split's branches move within their own list; steps between
        // every list of steps, the palette's blocks included.
        group: { name: list.getAttribute('data-group') || 'steps', pull: true, put: true },
        handle: '.handle',
        draggable: '.block, .palette-item',
        animation: 150,
        // Mouse and touch events rather than the browser's own drag and
        // drop: the same behaviour on every browser and on phones.
        forceFallback: true,
        fallbackTolerance: 3,
        fallbackOnBody: true,
        swapThreshold: 0.65,
        emptyInsertThreshold: 24,
        onAdd: function (evt) {
          var form = list.closest('form');
          if (evt.item.classList.contains('palette-item')) {
            var type = evt.item.getAttribute('data-type');
            evt.item.remove();
            post(form, type + '@' + list.getAttribute('data-list') + '#' + evt.newIndex);
            return;
          }
          var place = evt.item.querySelector(':scope > .block-place');
          if (place) place.value = list.getAttribute('data-list') + '/' + place.value.split('/').pop();
          post(form);
        },
        onUpdate: function () { post(list.closest('form')); }
      });
    });
    all(root, '#palette-items').forEach(function (palette) {
      window.Sortable.create(palette, {
        group: { name: 'steps', pull: 'clone', put: false },
        sort: false,
        handle: '.handle',
        draggable: '.palette-item',
        animation: 150,
        forceFallback: true,
        fallbackTolerance: 3
      });
    });
  }

  // Reload a page of running runs every few seconds, unless the person is
  // busy with one of its forms or looks elsewhere.
  var timer;
  function refresher() {
    clearTimeout(timer);
    var runs = document.getElementById('runs');
    if (!runs || !runs.getAttribute('data-refresh') || !window.htmx) return;
    var every = Number(runs.getAttribute('data-refresh'));
    timer = setTimeout(function tick() {
      var active = document.activeElement;
      var busy = runs.querySelector('details[open]') || (active && runs.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName));
      if (busy || document.hidden) {
        timer = setTimeout(tick, every);
        return;
      }
      window.htmx.ajax('GET', location.pathname + location.search, { target: '#runs', select: '#runs', swap: 'outerHTML' });
    }, every);
  }

  // The variables are open beside the scenario on a wide screen, closed
  // under it on a narrow one, and stay as the person leaves them.
  var varsOpen = window.matchMedia('(min-width: 64rem)').matches;
  function variables(root) {
    all(root, '#vars').forEach(function (d) {
      d.open = varsOpen;
      d.addEventListener('toggle', function () { varsOpen = d.open; });
    });
  }

  function init(root) {
    variables(root);
    sentiment(root);
    openBlocks(root);
    sortables(root);
    refresher();
  }

  if (window.htmx) {
    window.htmx.onLoad(init);
  } else {
    init(document);
  }
})();
