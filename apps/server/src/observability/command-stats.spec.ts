import { CommandStats } from './command-stats';

describe('CommandStats', () => {
  it('counts replies by verb and class, and the LOGs answered 201 as values acknowledged', () => {
    const stats = new CommandStats();
    stats.count('LOG', ['201 Metric Inserted\n', '400 Bad Request -- x\n', '500 Internal\n']);
    stats.count('LOG', ['201 Metric Inserted\n']);
    stats.count('QUERY', ['404 Metric Not Found\n', '200 [1.0]\n']);
    stats.count('PING', ['400 Bad Request\n']); // not a counted verb
    stats.count('NEW-ALERT', 'not a list');
    expect(Array.from(stats.replies.get('LOG') as Float64Array)).toEqual([2, 1, 1]);
    expect(Array.from(stats.replies.get('QUERY') as Float64Array)).toEqual([1, 1, 0]);
    expect(Array.from(stats.replies.get('NEW-ALERT') as Float64Array)).toEqual([0, 0, 0]);
    expect(stats.valuesAcknowledged).toBe(2);
  });
});
