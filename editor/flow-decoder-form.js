// The decoder settings that flow collector and flow decode share (both decode with one
// FlowDecoder): their defaults and their form rows, in each node's own i18n namespace
// ('flow-collector', 'flow-decode'; the two locale catalogues name the keys alike).
// Runs in the editor: the build copies it to resources/, Node-RED serves it at
// /resources/@wirescope/node-red/flow-decoder-form.js, and both editors load it before their
// registerType, beside element-definitions.js (whose rules the element check uses).
(function () {
  /** Form rows, `NS` standing for the node's namespace; each fills one marker of the edit template. */
  var ROWS = {
    templateTtl: [
      '<div class="form-row">',
      '  <label for="node-input-templateTtl"><i class="fa fa-clock-o"></i> <span data-i18n="NS.label.templateTtl"></span></label>',
      '  <input type="text" id="node-input-templateTtl" style="width:80px">',
      '</div>',
      '<div class="form-row">',
      '  <label for="node-input-pendingTtl"><i class="fa fa-hourglass-half"></i> <span data-i18n="NS.label.pendingTtl"></span></label>',
      '  <input type="text" id="node-input-pendingTtl" style="width:80px">',
      '</div>',
    ],
    sampling: [
      '<div class="form-row">',
      '  <input type="checkbox" id="node-input-applySampling" style="width:auto; margin-left:100px">',
      '  <label for="node-input-applySampling" style="width:auto" data-i18n="NS.label.applySampling"></label>',
      '</div>',
      '<div class="form-row">',
      '  <input type="checkbox" id="node-input-scopeByPort" style="width:auto; margin-left:100px">',
      '  <label for="node-input-scopeByPort" style="width:auto" data-i18n="NS.label.scopeByPort"></label>',
      '</div>',
    ],
    elements: [
      '<div class="form-row">',
      '  <label for="node-input-elements"><i class="fa fa-list"></i> <span data-i18n="NS.label.elements"></span></label>',
      '  <textarea id="node-input-elements" rows="4" spellcheck="false" style="width:70%; font-family:monospace; white-space:pre; overflow-x:auto"',
      '    data-i18n="[placeholder]NS.placeholder.elements;[title]NS.tip.format"></textarea>',
      '</div>',
      '<div class="form-tips" data-i18n="NS.tip.elements"></div>',
    ],
  };
  var MARKER = /<!-- flow-decoder-form: (\w+) -->/g;

  // The defaults come fresh from a call for each node type: Node-RED keeps a node type's own
  // `nodeDefaults` setting by writing into that type's default objects.
  window.wirescopeFlowDecoderForm = {
    applySampling: function () { return { value: false }; },
    templateTtl: function () { return { value: 1800, validate: RED.validators.number() }; },
    /** How long a data set waits for its template, seconds (the 'templateTtl' rows hold its field too). */
    pendingTtl: function () { return { value: 60, validate: RED.validators.number() }; },
    scopeByPort: function () { return { value: false }; },
    /** The `elements` default of the node whose namespace is `ns`. */
    elements: function (ns) {
      return {
        value: '',
        // The runtime parser's own rules (nodes/common/netflow/element-definitions.ts, served as
        // resources/element-definitions.js), so a bad line shows before deploy; at start the node
        // logs exactly what is wrong with it. Two parameters: Node-RED 3+ then shows a returned
        // string as the reason (one parameter means a truthy string counts as valid).
        validate: function (v, opt) {
          var rules = window.wirescopeElementDefinitions;
          var problems = rules ? rules.readElementDefinitions(v).problems : [];
          if (!problems.length) return true;
          return this._(ns + '.errors.element-line', problems[0]);
        }
      };
    },
    /**
     * Replaces each `<!-- flow-decoder-form: templateTtl|sampling|elements -->` (templateTtl: template and pending TTL) of the edit template of `type`
     * with those rows. Called right after registerType: Node-RED has put the node set's whole HTML,
     * templates included, into the page before it runs the set's scripts, and builds the edit
     * dialog from the template text only when a node is edited, so Node-RED's own code fills in
     * and saves these fields like the node's others.
     */
    fillTemplate: function (type, ns) {
      var template = document.querySelector('script[data-template-name="' + type + '"]');
      if (!template) throw new Error('flow-decoder-form: no edit template for ' + type);
      template.textContent = template.textContent.replace(MARKER, function (marker, part) {
        if (!ROWS[part]) throw new Error('flow-decoder-form: unknown part "' + part + '" in the template of ' + type);
        return ROWS[part].join('\n').replace(/\bNS\./g, ns + '.');
      });
    }
  };
})();
