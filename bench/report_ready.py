#!/usr/bin/env python3
"""Time to interactive of an HTML page in headless Chromium: the page's own mark
(document.body.dataset.ready = performance.now() when its script has drawn everything), and
the wall time of driver.get() until that mark is set. Prints one line per page: the medians
of ROUNDS loads, each in a fresh tab state, with min..max.

usage: report_ready.py ROUNDS PAGE.html..."""
import os
import statistics
import sys
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync',
         '--window-size=1280,800']


def main():
    rounds, pages = int(sys.argv[1]), sys.argv[2:]
    with tempfile.TemporaryDirectory() as profile:
        opts = webdriver.ChromeOptions()
        opts.binary_location = '/usr/bin/chromium'
        for f in FLAGS + ['--user-data-dir=' + profile]:
            opts.add_argument(f)
        driver = webdriver.Chrome(service=Service('/usr/bin/chromedriver'), options=opts)
        try:
            for page in pages:
                marks, walls = [], []
                for _ in range(rounds):
                    driver.get('about:blank')
                    t0 = time.monotonic()
                    driver.get('file://' + os.path.abspath(page))
                    while not driver.execute_script('return document.body && document.body.dataset.ready'):
                        if time.monotonic() - t0 > 60:
                            raise SystemExit(f'{page}: not ready after 60 s')
                        time.sleep(0.005)
                    walls.append((time.monotonic() - t0) * 1000)
                    marks.append(float(driver.execute_script('return document.body.dataset.ready')))
                print(f'{page}: ready mark median {statistics.median(marks):.0f} ms '
                      f'({min(marks):.0f}..{max(marks):.0f}), load+ready wall median '
                      f'{statistics.median(walls):.0f} ms ({min(walls):.0f}..{max(walls):.0f})')
        finally:
            driver.quit()


main()
