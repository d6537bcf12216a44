#!/usr/bin/env python3
"""vigil-trace's HTML report in Debian's headless Chromium, driven by chromedriver.

usage: report_browser.py VIGIL_TRACE REPORT.html TRACE.ctf CUT_REPORT.html ARTIFACT_DIR

Checks, on the report of the running alloc_workload (REPORT.html, made from TRACE.ctf):
  - no console error and no network request (the browser's log and performance log);
  - under the worker, the widest frames are alloc_big then alloc_small, 3:1 within 5 sigma;
  - a click on alloc_big zooms: it takes the whole width, alloc_small goes; reset restores;
  - a mouse drag over the second half of the heap chart sets the totals to what
    `vigil-trace summary --from --to` computes for that window (same samples);
  - the leak view shows leak_some and not alloc_small;
  - the report of a cut trace (CUT_REPORT.html) shows its notice.
Screenshots of each state go to ARTIFACT_DIR. Exit 77 when the browser cannot start."""
import json
import math
import os
import re
import subprocess
import sys
import tempfile

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
except ImportError as e:
    print(f'SKIP: python3-selenium is not installed ({e})')
    sys.exit(77)

FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync',
         '--window-size=1280,800']
failures = []


def check(ok, what):
    print(('ok: ' if ok else 'FAIL: ') + what)
    if not ok:
        failures.append(what)


def start_browser(profile):
    opts = webdriver.ChromeOptions()
    opts.binary_location = '/usr/bin/chromium'
    for f in FLAGS + ['--user-data-dir=' + profile]:
        opts.add_argument(f)
    opts.set_capability('goog:loggingPrefs', {'browser': 'ALL', 'performance': 'ALL'})
    try:
        return webdriver.Chrome(service=Service('/usr/bin/chromedriver'), options=opts)
    except Exception as e:  # no browser, no driver, or it cannot start here
        print(f'SKIP: headless Chromium cannot start: {str(e).splitlines()[0]}')
        sys.exit(77)


def open_page(driver, path):
    driver.get('file://' + os.path.abspath(path))
    for _ in range(100):
        if driver.execute_script('return document.body.dataset.ready || null'):
            return
        driver.implicitly_wait(0.1)
    raise SystemExit('FAIL: the page never became ready')


def frames(driver):
    """The flame graph's frames: dicts of frame, parent, name, value, width, dim."""
    return driver.execute_script('''
        return [...document.querySelectorAll('#flame .fr')].map((d) => ({
          frame: +d.dataset.frame, parent: +d.dataset.parent, name: d.dataset.name,
          value: +d.dataset.value, width: d.getBoundingClientRect().width,
          dim: d.classList.contains('dim')}));''')


def by_name(fs, part):
    return [f for f in fs if part in f['name'] and not f['dim']]


def logs(driver):
    """Console errors, and the requests: (url, the document that made it)."""
    errors = [e['message'] for e in driver.get_log('browser') if e['level'] == 'SEVERE']
    urls = []
    for e in driver.get_log('performance'):
        m = json.loads(e['message'])['message']
        if m['method'] == 'Network.requestWillBeSent':
            urls.append((m['params']['request']['url'], m['params'].get('documentURL', '')))
    return errors, urls


def main():
    bin_, report, trace, cut_report, artifacts = sys.argv[1:6]
    os.makedirs(artifacts, exist_ok=True)
    shot = lambda name: (driver.save_screenshot(os.path.join(artifacts, name)),
                         print('screenshot: ' + os.path.join(artifacts, name)))
    with tempfile.TemporaryDirectory() as profile:
        driver = start_browser(profile)
        try:
            logs(driver)  # drains what the browser's own start-up page did
            open_page(driver, report)
            page_url = driver.current_url
            fs = frames(driver)
            worker = by_name(fs, 'worker(')
            check(len(worker) == 1, 'one worker frame')
            kids = sorted((f for f in fs if worker and f['parent'] == worker[0]['frame']),
                          key=lambda f: -f['value'])
            names = [k['name'] for k in kids[:2]]
            check(len(kids) >= 2 and 'alloc_big(' in names[0] and 'alloc_small(' in names[1],
                  f'widest under the worker: {names}')
            big, small = kids[0]['value'], kids[1]['value']
            tol = 5 * math.sqrt(1 / big + 1 / small)
            ratio = big / small
            check(abs(ratio / 3 - 1) < tol, f'alloc_big:alloc_small = {ratio:.3f} (3 +- {tol:.1%})')
            width = driver.execute_script("return document.getElementById('flame').clientWidth")
            root = [f for f in fs if f['frame'] == 0][0]
            bigf = by_name(fs, 'alloc_big(')[0]
            check(abs(bigf['width'] - width * bigf['value'] / root['value']) < 2,
                  f'alloc_big is {bigf["width"]:.0f} of {width} px, its share of the total')
            shot('report-1-whole.png')

            # Hover: the exact figures and file:line.
            el = driver.find_element(By.CSS_SELECTOR, f'#flame .fr[data-frame="{bigf["frame"]}"]')
            ActionChains(driver).move_to_element(el).perform()
            tip = driver.find_element(By.ID, 'tip')
            check(tip.is_displayed() and re.search(r'alloc_workload\.cpp:\d+', tip.text) and
                  f'{bigf["value"]} samples' in tip.text, f'hover: "{tip.text[:160]}"')
            # Search: the matching frames are highlighted, and their share given.
            driver.find_element(By.ID, 'search').send_keys('alloc_big')
            share = float(driver.find_element(By.ID, 'match').get_attribute('data-share'))
            marked = driver.execute_script("return [...document.querySelectorAll('#flame .fr.match')].map((d) => d.dataset.name)")
            check(abs(share - bigf['value'] / root['value']) < 1e-9 and marked and
                  all('alloc_big' in m for m in marked), f'search: share {share:.4f}, marked {marked[:2]}')
            driver.find_element(By.ID, 'search').clear()
            driver.execute_script("document.getElementById('search').dispatchEvent(new Event('input'))")
            # The table: sorted by a click on a header, filtered by a word.
            driver.find_element(By.CSS_SELECTOR, '#sites th[data-key="name"]').click()
            names = driver.execute_script("return [...document.querySelectorAll('#sites tbody tr td:first-child')].map((t) => t.textContent)")
            check(len(names) > 3 and names == sorted(names), 'table: sorted by function')
            driver.find_element(By.ID, 'filter').send_keys('leak_some')
            names = driver.execute_script("return [...document.querySelectorAll('#sites tbody tr td:first-child')].map((t) => t.textContent)")
            check(len(names) == 1 and 'leak_some(' in names[0], f'table: filtered to {names}')
            driver.find_element(By.ID, 'filter').clear()
            driver.execute_script("document.getElementById('filter').dispatchEvent(new Event('input'))")

            driver.find_element(By.CSS_SELECTOR, f'#flame .fr[data-frame="{bigf["frame"]}"]').click()
            zf = frames(driver)
            zbig = by_name(zf, 'alloc_big(')
            check(len(zbig) == 1 and abs(zbig[0]['width'] - width) < 2,
                  f'zoomed: alloc_big is {zbig[0]["width"] if zbig else 0:.0f} of {width} px')
            check(not by_name(zf, 'alloc_small('), 'zoomed: alloc_small is gone')
            check(any(f['dim'] and 'worker(' in f['name'] and abs(f['width'] - width) < 2 for f in zf),
                  'zoomed: the worker is shown above, full width')
            shot('report-2-zoom-alloc_big.png')
            driver.find_element(By.ID, 'unzoom').click()
            back = by_name(frames(driver), 'alloc_big(')[0]
            check(abs(back['width'] - bigf['width']) < 1, 'reset zoom restores the widths')

            whole = int(float(driver.find_element(By.ID, 'totals').get_attribute('data-alloc-samples')))
            chart = driver.find_element(By.ID, 'chart')
            left = float(chart.get_attribute('data-plot-left'))
            right = float(chart.get_attribute('data-plot-right'))
            w = chart.rect['width']
            mid = (left + right) / 2
            ActionChains(driver).move_to_element_with_offset(chart, int(mid - w / 2), 0) \
                .click_and_hold().move_by_offset(int(right - mid) - 1, 0).release().perform()
            rng = driver.find_element(By.ID, 'range')
            f_us, t_us = int(rng.get_attribute('data-from-us')), int(rng.get_attribute('data-to-us'))
            end_us = driver.execute_script('return D.buckets * D.bucket_us')
            got = int(float(driver.find_element(By.ID, 'totals').get_attribute('data-alloc-samples')))
            out = subprocess.run([bin_, 'summary', '--from', f'{f_us / 1e6:.6f}', '--to',
                                  f'{t_us / 1e6:.6f}', trace], capture_output=True, text=True).stdout
            m = re.search(r'^window: .* samples=(\d+) ', out, re.M)
            want = int(m.group(1)) if m else -1
            check(0.4 < f_us / end_us < 0.6 and t_us == end_us,
                  f'the selection is the second half: {f_us} to {t_us} us of {end_us}')
            check(got == want and got != whole,
                  f'second half: page {got} samples, vigil-trace summary {want}, whole trace {whole}')
            root2 = [f for f in frames(driver) if f['frame'] == 0][0]['value']
            check(root2 == got, f'the flame graph follows the selection ({root2} samples)')
            shot('report-3-second-half.png')

            driver.find_element(By.CSS_SELECTOR, 'input[name=mode][value=leak]').click()
            lf = frames(driver)
            check(bool(by_name(lf, 'leak_some(')), 'leak view: leak_some is shown')
            check(not by_name(lf, 'alloc_small('), 'leak view: alloc_small is not')
            rows = driver.execute_script(
                "return [...document.querySelectorAll('#sites tbody tr td:first-child')].map((t) => t.textContent)")
            check(any('leak_some(' in r for r in rows) and not any('alloc_small(' in r for r in rows),
                  'leak view: the table follows')
            shot('report-4-leaks.png')

            open_page(driver, cut_report)
            notice = driver.find_element(By.ID, 'notice')
            check(notice.is_displayed() and 'incomplete' in notice.text, f'cut trace: notice "{notice.text[:80]}"')
            shot('report-5-cut-trace.png')

            errors, urls = logs(driver)
            check(not errors, f'no console errors: {errors[:3]}')
            # The pages' own requests are their loads; none goes to a network scheme. (The
            # browser's internal chrome:// pages are not the report's.)
            others = [u for u, doc in urls
                      if (doc.startswith('file://') and u != doc) or
                      re.match(r'(https?|wss?|ftp)://', u)]
            check(not others, f'no network requests besides the two pages: {others[:3]}')
            check(any(u == page_url for u, _ in urls), 'the performance log saw the page load')
        finally:
            driver.quit()
    if failures:
        print(f'{len(failures)} checks failed')
        sys.exit(1)
    print('PASS: the report in headless Chromium')


main()
