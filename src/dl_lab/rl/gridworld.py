"""GridWorld: the course's 3x3 grid as a gymnasium environment (question 4.18).

States are the cells ``(row, col)``, observed as ``row * cols + col``; "down" increases the
row index. By default: start (0, 0), goal (2, 2), +10 for stepping onto the goal, -1 for
every other step, and a move into the border or a wall leaves the agent where it was.
Size, walls, extra terminal cells (a distracting small reward, a pit), slip probability
and rewards are constructor arguments, so one class serves questions 4.3, 4.17 and 4.25.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

Cell = tuple[int, int]

ACTIONS: dict[int, tuple[str, Cell]] = {
    0: ("up", (-1, 0)),
    1: ("down", (1, 0)),
    2: ("left", (0, -1)),
    3: ("right", (0, 1)),
}
ARROWS = {0: "↑", 1: "↓", 2: "←", 3: "→"}
# A slip turns the move by 90 degrees: up/down slip to left/right and back.
PERPENDICULAR = {0: (2, 3), 1: (2, 3), 2: (0, 1), 3: (0, 1)}
COLOURS = {  # RGB of the rgb_array rendering
    "floor": (235, 235, 235),
    "wall": (60, 60, 60),
    "start": (170, 200, 255),
    "goal": (120, 200, 120),
    "terminal": (240, 190, 90),
    "agent": (200, 40, 40),
}


def _cell(value: Sequence[int], name: str, rows: int, cols: int) -> Cell:
    if len(value) != 2 or not (0 <= value[0] < rows and 0 <= value[1] < cols):
        raise ValueError(f"GridWorld {name}={tuple(value)} is outside the {rows}x{cols} grid")
    return int(value[0]), int(value[1])


class GridWorldEnv(gym.Env[np.int64, np.int64]):
    """A deterministic (or slippery) grid with one goal and optional walls and terminals."""

    metadata = {"render_modes": ["ansi", "rgb_array"], "render_fps": 4}

    def __init__(
        self,
        size: Sequence[int] = (3, 3),
        start: Sequence[int] = (0, 0),
        goal: Sequence[int] = (2, 2),
        walls: Sequence[Sequence[int]] = (),
        terminals: Sequence[Sequence[float]] = (),
        goal_reward: float = 10.0,
        step_reward: float = -1.0,
        slip: float = 0.0,
        render_mode: str | None = None,
        cell_pixels: int = 32,
    ) -> None:
        rows, cols = (int(n) for n in size)
        if rows < 1 or cols < 1 or rows * cols < 2:
            raise ValueError(f"GridWorld size={tuple(size)} needs at least two cells")
        if not 0.0 <= slip < 1.0:
            raise ValueError(f"GridWorld slip={slip} must be in [0, 1)")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"GridWorld render_mode={render_mode!r}; allowed: {self.metadata['render_modes']}"
            )
        self.rows, self.cols = rows, cols
        self.start = _cell(start, "start", rows, cols)
        self.goal = _cell(goal, "goal", rows, cols)
        self.walls = frozenset(_cell(w, "wall", rows, cols) for w in walls)
        # terminal cell -> reward for stepping onto it; the goal is one of them
        self.terminal_rewards: dict[Cell, float] = {self.goal: float(goal_reward)}
        for row, col, reward in terminals:
            self.terminal_rewards[_cell((int(row), int(col)), "terminal", rows, cols)] = float(
                reward
            )
        if self.start in self.walls or self.start in self.terminal_rewards:
            raise ValueError(f"GridWorld start={self.start} is a wall or a terminal cell")
        if self.walls & self.terminal_rewards.keys():
            raise ValueError("GridWorld walls and terminal cells overlap")
        self.step_reward = float(step_reward)
        self.slip = float(slip)
        self.render_mode = render_mode
        self.cell_pixels = int(cell_pixels)
        self.observation_space = spaces.Discrete(rows * cols)
        self.action_space = spaces.Discrete(len(ACTIONS))
        self._agent = self.start

    # -- state indexing ------------------------------------------------------------------
    def state_of(self, cell: Cell) -> int:
        """The observation of ``cell``."""
        return cell[0] * self.cols + cell[1]

    def cell_of(self, state: int) -> Cell:
        """The cell of observation ``state``."""
        return divmod(int(state), self.cols)

    def is_terminal(self, cell: Cell) -> bool:
        """Whether an episode ends on ``cell``."""
        return cell in self.terminal_rewards

    def move(self, cell: Cell, action: int) -> Cell:
        """Where ``action`` leads from ``cell``: off-grid and wall moves stay put."""
        d_row, d_col = ACTIONS[int(action)][1]
        target = (cell[0] + d_row, cell[1] + d_col)
        inside = 0 <= target[0] < self.rows and 0 <= target[1] < self.cols
        return target if inside and target not in self.walls else cell

    def reward(self, next_cell: Cell) -> float:
        """The reward for stepping onto ``next_cell``."""
        return self.terminal_rewards.get(next_cell, self.step_reward)

    def transitions(self, state: int, action: int) -> list[tuple[float, int, float, bool]]:
        """``(probability, next_state, reward, terminated)`` of one state-action pair."""
        cell = self.cell_of(state)
        if self.is_terminal(cell) or cell in self.walls:
            return []  # the episode is over (or the cell cannot be entered)
        outcomes = [(1.0 - self.slip, action)]
        outcomes += [(self.slip / 2, side) for side in PERPENDICULAR[int(action)]]
        found: dict[int, tuple[float, int, float, bool]] = {}
        for prob, taken in outcomes:
            if prob == 0.0:
                continue
            nxt = self.move(cell, taken)
            key = self.state_of(nxt)
            old = found.get(key, (0.0,))[0]
            found[key] = (old + prob, key, self.reward(nxt), self.is_terminal(nxt))
        return list(found.values())

    def transition_model(self) -> dict[int, dict[int, list[tuple[float, int, float, bool]]]]:
        """The full model ``P[s][a]`` (as in FrozenLake), for value iteration."""
        return {
            s: {a: self.transitions(s, a) for a in range(self.action_space.n)}
            for s in range(self.observation_space.n)
        }

    def greedy_path(self, q_values: np.ndarray, max_steps: int | None = None) -> list[Cell]:
        """Cells visited from the start following arg max ``q_values`` (S, A), without slips.

        Stops at a terminal cell, after ``max_steps`` (default: the number of cells), or when
        a cell repeats (the greedy policy loops and never ends the episode).
        """
        path = [self.start]
        for _ in range(max_steps or self.rows * self.cols):
            if self.is_terminal(path[-1]):
                break
            nxt = self.move(path[-1], int(np.argmax(q_values[self.state_of(path[-1])])))
            if nxt in path:
                path.append(nxt)
                break
            path.append(nxt)
        return path

    # -- gymnasium API -------------------------------------------------------------------
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.int64, dict[str, Any]]:
        super().reset(seed=seed)
        self._agent = self.start
        return np.int64(self.state_of(self._agent)), {"cell": self._agent}

    def step(self, action: np.int64) -> tuple[np.int64, float, bool, bool, dict[str, Any]]:
        if not self.action_space.contains(action):
            raise ValueError(f"GridWorld action={action!r}; allowed: 0..3 (up, down, left, right)")
        taken = int(action)
        if self.slip and self.np_random.random() < self.slip:
            taken = int(self.np_random.choice(PERPENDICULAR[taken]))
        self._agent = self.move(self._agent, taken)
        reward = self.reward(self._agent)
        terminated = self.is_terminal(self._agent)
        info = {
            "cell": self._agent,
            "slipped": taken != int(action),
            "is_success": self._agent == self.goal,
        }
        return np.int64(self.state_of(self._agent)), reward, terminated, False, info

    def render(self) -> str | np.ndarray | None:
        if self.render_mode == "ansi":
            return self._render_text()
        if self.render_mode == "rgb_array":
            return self._render_rgb()
        return None

    def _symbol(self, cell: Cell) -> str:
        if cell == self._agent:
            return "A"
        if cell in self.walls:
            return "#"
        if cell == self.goal:
            return "G"
        if cell in self.terminal_rewards:
            return "T"
        return "S" if cell == self.start else "."

    def _render_text(self) -> str:
        lines = [" ".join(self._symbol((r, c)) for c in range(self.cols)) for r in range(self.rows)]
        return "\n".join(lines) + "\n"

    def _render_rgb(self) -> np.ndarray:
        px = self.cell_pixels
        image = np.zeros((self.rows * px, self.cols * px, 3), dtype=np.uint8)
        kinds = {"#": "wall", "G": "goal", "T": "terminal", "S": "start", ".": "floor"}
        for r in range(self.rows):
            for c in range(self.cols):
                symbol = self._symbol((r, c))
                kind = "floor" if symbol == "A" else kinds[symbol]
                image[r * px : (r + 1) * px, c * px : (c + 1) * px] = COLOURS[kind]
        r, c = self._agent
        margin = px // 4
        image[r * px + margin : (r + 1) * px - margin, c * px + margin : (c + 1) * px - margin] = (
            COLOURS["agent"]
        )
        image[::px, :] = image[:, ::px] = 0  # grid lines (top and left edges of each cell)
        return image
