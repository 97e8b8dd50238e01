//! The interactive flame graph: an `<svg>` the page's script fills from the stacks carried in
//! a `data-flame` attribute (JSON, HTML-escaped like every other untrusted text). Click a
//! frame to zoom into it, "reset" to zoom out, type in the search box to highlight frames and
//! read the share of samples they hold. The script only ever sets `textContent`, never markup.

use crate::escape::html as esc;
use perfaudit_model::profile::{Profile, Stack};
use std::fmt::Write as _;

/// Stacks embedded per graph (the most sampled); the rest is summed as "other stacks".
pub const MAX_STACKS: usize = 4000;

/// A flame graph of `stacks` (indexes into `p.stacks` with counts), titled `title`.
pub fn graph(out: &mut String, p: &Profile, stacks: &[(u32, u64)], title: &str) {
    let mut used: Vec<u32> = Vec::new();
    let mut frame_map = std::collections::HashMap::new();
    let mut frames_json = String::from("[");
    let mut stacks_json = String::from("[");
    let mut other = 0u64;
    let mut total = 0u64;
    for (n, &(si, count)) in stacks.iter().enumerate() {
        total += count;
        let Some(st) = p.stacks.get(si as usize) else {
            continue;
        };
        if n >= MAX_STACKS {
            other += count;
            continue;
        }
        if !stacks_json.ends_with('[') {
            stacks_json.push(',');
        }
        stacks_json.push_str("[[");
        for (k, &fi) in st.frames.iter().enumerate() {
            let id = *frame_map.entry(fi).or_insert_with(|| {
                used.push(fi);
                used.len() - 1
            });
            if k > 0 {
                stacks_json.push(',');
            }
            let _ = write!(stacks_json, "{id}");
        }
        let _ = write!(stacks_json, "],{count}]");
    }
    stacks_json.push(']');
    for (k, &fi) in used.iter().enumerate() {
        let f = &p.frames[fi as usize];
        if k > 0 {
            frames_json.push(',');
        }
        let _ = write!(
            frames_json,
            "[{},{},{}]",
            serde_json::Value::String(f.name.clone()),
            serde_json::Value::String(f.file.clone()),
            f.line
        );
    }
    frames_json.push(']');
    let data = format!(
        r#"{{"frames":{frames_json},"stacks":{stacks_json},"other":{other},"total":{total}}}"#
    );
    let _ = write!(
        out,
        r#"<div class="flame" data-flame="{}"><div class="fl-bar"><b>{}</b> <input type="search" placeholder="search functions, files" aria-label="search"> <button type="button">reset zoom</button> <span class="fl-info"></span></div><svg width="100%" viewBox="0 0 1000 20" preserveAspectRatio="none" data-flame-graph="{}"></svg></div>"#,
        esc(&data),
        esc(title),
        esc(title)
    );
}

/// Every stack of the profile, most sampled first.
pub fn all_stacks(p: &Profile) -> Vec<(u32, u64)> {
    let mut v: Vec<(u32, u64)> = p
        .stacks
        .iter()
        .enumerate()
        .filter(|(_, s): &(usize, &Stack)| s.samples > 0)
        .map(|(i, s)| (i as u32, s.samples))
        .collect();
    v.sort_by_key(|s| std::cmp::Reverse(s.1));
    v
}

pub const CSS: &str = r#"
.flame{border:1px solid var(--bd);border-radius:4px;padding:6px;margin:8px 0}
.fl-bar{font-size:12px;margin-bottom:4px}.fl-bar input{font-size:12px;width:220px}.fl-info{color:var(--mut)}
.flame svg text{font:11px ui-monospace,monospace;fill:#111;pointer-events:none}
.flame svg rect{stroke:#fff;stroke-width:.5;cursor:pointer}
"#;

/// The flame graphs' script (part of the page's one script element).
pub const JS: &str = r#"
(function(){
  var NS='http://www.w3.org/2000/svg',W=1000,H=17,count=0;
  function short(f){var p=f.split('/');return p.length>2?p.slice(-2).join('/'):f;}
  function hue(s){var h=0;for(var i=0;i<s.length;i++){h=(h*31+s.charCodeAt(i))>>>0;}return h;}
  document.querySelectorAll('[data-flame]').forEach(function(box){
    var d=JSON.parse(box.getAttribute('data-flame'));
    var svg=box.querySelector('svg'),info=box.querySelector('.fl-info'),q=box.querySelector('input');
    var root={f:-1,c:{},k:[],v:0,p:null,d:0};
    d.stacks.forEach(function(st){
      var n=root;root.v+=st[1];
      st[0].forEach(function(fi){
        var ch=n.c[fi];
        if(!ch){ch={f:fi,c:{},k:[],v:0,p:n,d:n.d+1};n.c[fi]=ch;n.k.push(ch);}
        ch.v+=st[1];n=ch;
      });
    });
    function label(n){
      if(n.f<0)return 'all ('+d.total+' samples'+(d.other?', '+d.other+' in stacks not shown':'')+')';
      var f=d.frames[n.f];return f[0]+' ('+short(f[1])+(f[2]?':'+f[2]:'')+')';
    }
    function full(n){if(n.f<0)return 'all';var f=d.frames[n.f];return f[0]+' '+f[1]+(f[2]?':'+f[2]:'');}
    function sortk(n){n.k.sort(function(a,b){return label(a)<label(b)?-1:1;});n.k.forEach(sortk);}
    sortk(root);
    var zoom=root,term='';
    function matches(n){return term&&n.f>=0&&full(n).toLowerCase().indexOf(term)>=0;}
    function draw(){
      while(svg.firstChild)svg.removeChild(svg.firstChild);
      var rows=[],depth=0;
      for(var a=zoom;a;a=a.p)rows.unshift(a);
      var base=rows.length-1,total=d.total||1;
      function put(n,x,w,y){
        var g=document.createElementNS(NS,'g'),r=document.createElementNS(NS,'rect');
        var m=matches(n);
        r.setAttribute('x',x);r.setAttribute('y',y*H);r.setAttribute('width',Math.max(w,0.1));r.setAttribute('height',H-1);
        var h=n.f<0?0:hue(d.frames[n.f][0])%55;
        r.setAttribute('fill',m?'#d946ef':'hsl('+h+',85%,'+(62+(n.d%3)*6)+'%)');
        var t=document.createElementNS(NS,'title');
        t.textContent=full(n)+' \u2014 '+n.v+' samples ('+(100*n.v/total).toFixed(1)+'%)';
        g.appendChild(t);g.appendChild(r);
        if(w>28){
          var tx=document.createElementNS(NS,'text'),s=label(n),max=Math.floor(w/6.6)-1;
          tx.setAttribute('x',x+3);tx.setAttribute('y',y*H+12);
          tx.textContent=s.length>max?s.slice(0,Math.max(max-1,1))+'\u2026':s;g.appendChild(tx);
        }
        g.addEventListener('click',function(){zoom=n;draw();});
        svg.appendChild(g);depth=Math.max(depth,y+1);
      }
      rows.forEach(function(n,i){if(i<base)put(n,0,W,i);});
      var scale=W/(zoom.v||1);
      (function walk(n,x,y){
        var w=n.v*scale;if(w<0.3)return;
        put(n,x,w,y);
        var cx=x;n.k.forEach(function(c){walk(c,cx,y+1);cx+=c.v*scale;});
      })(zoom,0,base);
      svg.setAttribute('viewBox','0 0 '+W+' '+(depth*H));
      svg.setAttribute('height',depth*H);
      var hit=0;
      if(term){(function sum(n){if(matches(n)){hit+=n.v;return;}n.k.forEach(sum);})(root);}
      info.textContent=(term?'matched: '+(100*hit/total).toFixed(1)+'% of samples. ':'')+
        (zoom===root?'click a frame to zoom':'zoomed into '+label(zoom));
      box.setAttribute('data-flame-nodes',String(svg.childNodes.length));
      box.setAttribute('data-flame-matched',String(hit));
    }
    box.querySelector('button').addEventListener('click',function(){zoom=root;draw();});
    q.addEventListener('input',function(){term=q.value.toLowerCase();draw();});
    draw();count++;
  });
  document.documentElement.setAttribute('data-flames',String(count));
})();
"#;
